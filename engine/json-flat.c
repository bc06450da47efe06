/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A reader for flat JSON objects of integers (RFC 8259 strings, escapes
 * and surrogate pairs included), for files too large for a DOM. */
#define G_LOG_DOMAIN "vila-json"

#include "config.h"

#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "cpu-pool.h"
#include "json-flat.h"
#include "vila.h"

typedef struct {
  const char *p;
  const char *start;
  const char *end;
  GError    **error;
} Scanner;

/* The text was checked as UTF-8 as a whole, so a string without escapes,
 * cut at ASCII quotes, is UTF-8 too; escapes decode to valid characters
 * (lone surrogates are refused). One check then instead of one a key. */

static gboolean
fail (Scanner    *s,
      const char *what)
{
  g_set_error (s->error, VILA_ERROR, VILA_ERROR_INVALID_CHECKPOINT, "%s at byte %" G_GSIZE_FORMAT,
               what, (gsize) (s->p - s->start));
  return FALSE;
}

/* The length of the well-formed UTF-8 sequence of more than one byte at
 * @p, or 0 where there is none: the Unicode Standard's table of
 * well-formed byte sequences (chapter 3, table 3-7), which leaves out
 * overlong forms, surrogates and code points past U+10FFFF. Inline,
 * because a byte-level vocabulary has a two-byte character in most of its
 * entries ("Ġ" stands for a space). */
static inline gsize
utf8_sequence_length (const guchar *p,
                      gsize         left)
{
  guchar b0 = p[0], lo = 0x80, hi = 0xbf;

  if (b0 >= 0xc2 && b0 <= 0xdf)
    return left >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef)
    {
      if (b0 == 0xe0)
        lo = 0xa0;
      else if (b0 == 0xed)
        hi = 0x9f;
      return left >= 3 && p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 ? 3 : 0;
    }
  if (b0 >= 0xf0 && b0 <= 0xf4)
    {
      if (b0 == 0xf0)
        lo = 0x90;
      else if (b0 == 0xf4)
        hi = 0x8f;
      return left >= 4 && p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 && (p[3] & 0xc0) == 0x80 ? 4 : 0;
    }
  return 0;
}

/* UTF-8 validation that takes runs of ASCII eight bytes at a time (most
 * of a vocabulary's bytes), the rest a character at a time. */
static gboolean
validate_stretch (const char  *text,
                  gsize        length,
                  const char **bad)
{
  const guchar *p = (const guchar *) text, *end = p + length;

#if defined(__SSE2__)
  /* Sixteen bytes at a time: the ASCII before the next byte of 0x80 or
   * more is skipped at once, that character checked, and on from there. */
  while (end - p >= 16)
    {
      unsigned mask = (unsigned) _mm_movemask_epi8 (_mm_loadu_si128 ((const __m128i *) (const void *) p));
      gsize n;

      if (mask == 0)
        {
          p += 16;
          continue;
        }
      p += __builtin_ctz (mask);
      if ((n = utf8_sequence_length (p, end - p)) == 0)
        {
          *bad = (const char *) p;
          return FALSE;
        }
      p += n;
    }
#endif
  while (p < end)
    {
      gsize n;

      while (end - p >= 8)
        {
          guint64 word;

          memcpy (&word, p, 8);
          if (word & G_GUINT64_CONSTANT (0x8080808080808080))
            break;
          p += 8;
        }
      if (p >= end)
        break;
      if (*p < 0x80)
        {
          p++;
          continue;
        }
      if ((n = utf8_sequence_length (p, end - p)) == 0)
        {
          *bad = (const char *) p;
          return FALSE;
        }
      p += n;
    }
  return TRUE;
}

/* Large files in stretches on every core (a byte-level vocabulary of 150k
 * pieces is megabytes of two-byte characters: milliseconds each), each
 * beginning at a character's first byte. */
typedef struct {
  const char  *text;
  gsize        length;
  gsize        n_stretches;
  const char **bad;    /* per stretch: where it failed, or NULL */
} Validation;

static const char *
stretch_start (const Validation *v,
               gsize             i)
{
  const guchar *p = (const guchar *) v->text + v->length / v->n_stretches * i;

  /* Past at most three continuation bytes to the next first byte; more
   * than that is no UTF-8, which the stretch then reports. */
  for (int k = 0; k < 3 && i > 0 && p < (const guchar *) v->text + v->length && (*p & 0xc0) == 0x80; k++)
    p++;
  return (const char *) p;
}

static void
validate_stretches (gpointer data,
                    gsize    first,
                    gsize    last)
{
  Validation *v = data;

  for (gsize i = first; i < last; i++)
    {
      const char *start = stretch_start (v, i);
      const char *end = i + 1 < v->n_stretches ? stretch_start (v, i + 1) : v->text + v->length;

      v->bad[i] = NULL;
      validate_stretch (start, end - start, &v->bad[i]);
    }
}

gboolean
vila_utf8_validate (const char  *text,
                    gsize        length,
                    const char **bad)
{
  Validation v = { text, length, vila_cpu_n_threads (), NULL };

  if (length < (1 << 20) || v.n_stretches < 2)
    return validate_stretch (text, length, bad);
  v.bad = g_newa (const char *, v.n_stretches);
  vila_cpu_parallel_for (v.n_stretches, 1, validate_stretches, &v);
  for (gsize i = 0; i < v.n_stretches; i++)
    if (v.bad[i] != NULL)
      {
        *bad = v.bad[i];
        return FALSE;
      }
  return TRUE;
}

static void
skip_space (Scanner *s)
{
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
    s->p++;
}

static int
hex4 (const char *p)
{
  int value = 0;

  for (int i = 0; i < 4; i++)
    {
      int digit = g_ascii_xdigit_value (p[i]);

      if (digit < 0)
        return -1;
      value = value * 16 + digit;
    }
  return value;
}

static gboolean
read_string (Scanner *s,
             GString *out)
{
  g_string_truncate (out, 0);
  if (s->p >= s->end || *s->p != '"')
    return fail (s, "expected a string");
  s->p++;

  for (;;)
    {
      const char *run = s->p;

#if defined(__SSE2__)
      /* Sixteen bytes at a time to the closing quote, an escape or a
       * control character (a byte of at most 0x1f, compared unsigned). */
      while (s->end - s->p >= 16)
        {
          __m128i v = _mm_loadu_si128 ((const __m128i *) (const void *) s->p);
          __m128i stops = _mm_or_si128 (_mm_or_si128 (_mm_cmpeq_epi8 (v, _mm_set1_epi8 ('"')),
                                                      _mm_cmpeq_epi8 (v, _mm_set1_epi8 ('\\'))),
                                        _mm_cmpeq_epi8 (_mm_max_epu8 (v, _mm_set1_epi8 (0x1f)), _mm_set1_epi8 (0x1f)));
          unsigned mask = (unsigned) _mm_movemask_epi8 (stops);

          if (mask != 0)
            {
              s->p += __builtin_ctz (mask);
              break;
            }
          s->p += 16;
        }
#endif
      while (s->p < s->end && *s->p != '"' && *s->p != '\\' && (guchar) *s->p >= 0x20)
        s->p++;
      g_string_append_len (out, run, s->p - run);
      if (s->p >= s->end)
        return fail (s, "unterminated string");
      if (*s->p == '"')
        {
          s->p++;
          return TRUE;
        }
      if ((guchar) *s->p < 0x20)
        return fail (s, "a control character in a string");

      /* An escape. */
      if (s->end - s->p < 2)
        return fail (s, "unterminated escape");
      s->p++;
      switch (*s->p++)
        {
        case '"': g_string_append_c (out, '"'); break;
        case '\\': g_string_append_c (out, '\\'); break;
        case '/': g_string_append_c (out, '/'); break;
        case 'b': g_string_append_c (out, '\b'); break;
        case 'f': g_string_append_c (out, '\f'); break;
        case 'n': g_string_append_c (out, '\n'); break;
        case 'r': g_string_append_c (out, '\r'); break;
        case 't': g_string_append_c (out, '\t'); break;
        case 'u':
          {
            int unit;
            gunichar c;

            if (s->end - s->p < 4 || (unit = hex4 (s->p)) < 0)
              return fail (s, "a bad \\u escape");
            s->p += 4;
            c = unit;
            if (unit >= 0xd800 && unit < 0xdc00)
              {
                int low;

                if (s->end - s->p < 6 || s->p[0] != '\\' || s->p[1] != 'u' ||
                    (low = hex4 (s->p + 2)) < 0xdc00 || low > 0xdfff)
                  return fail (s, "a lone surrogate");
                s->p += 6;
                c = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
              }
            else if (unit >= 0xdc00 && unit < 0xe000)
              return fail (s, "a lone surrogate");
            g_string_append_unichar (out, c);
          }
          break;
        default:
          return fail (s, "a bad escape");
        }
    }
}

static gboolean
read_integer (Scanner *s,
              gint64  *value)
{
  gboolean negative = FALSE;
  guint64 v = 0;
  const char *digits;

  if (s->p < s->end && *s->p == '-')
    negative = TRUE, s->p++;
  digits = s->p;
  while (s->p < s->end && g_ascii_isdigit (*s->p))
    {
      if (v > (G_MAXINT64 - 9) / 10)
        return fail (s, "a number is too large");
      v = v * 10 + (*s->p++ - '0');
    }
  if (s->p == digits)
    return fail (s, "expected an integer");
  if (s->p < s->end && (*s->p == '.' || *s->p == 'e' || *s->p == 'E'))
    return fail (s, "expected an integer, not a fraction");
  *value = negative ? -(gint64) v : (gint64) v;
  return TRUE;
}

gboolean
vila_json_flat_parse (const char        *json,
                      gsize              length,
                      VilaJsonFlatFunc   func,
                      gpointer           user_data,
                      GError           **error)
{
  Scanner s = { json, json, json + length, error };
  g_autoptr(GString) key = g_string_sized_new (64);

  if (!vila_utf8_validate (json, length, &s.p))
    return fail (&s, "the text is not UTF-8");
  skip_space (&s);
  if (s.p >= s.end || *s.p != '{')
    return fail (&s, "expected a JSON object");
  s.p++;
  skip_space (&s);
  if (s.p < s.end && *s.p == '}')
    s.p++;
  else
    for (;;)
      {
        gint64 value;

        skip_space (&s);
        if (!read_string (&s, key))
          return FALSE;
        skip_space (&s);
        if (s.p >= s.end || *s.p++ != ':')
          return fail (&s, "expected “:”");
        skip_space (&s);
        if (!read_integer (&s, &value) || !func (key->str, key->len, value, user_data, error))
          return FALSE;
        skip_space (&s);
        if (s.p < s.end && *s.p == ',')
          {
            s.p++;
            continue;
          }
        if (s.p < s.end && *s.p == '}')
          {
            s.p++;
            break;
          }
        return fail (&s, "expected “,” or “}”");
      }
  skip_space (&s);
  return s.p == s.end || fail (&s, "text after the object");
}

/* Past a string whose opening quote @s is at (escapes skipped, not
 * decoded). */
static gboolean
skip_string (Scanner *s)
{
  for (s->p++; s->p < s->end; s->p++)
    {
      if (*s->p == '\\')
        s->p++;
      else if (*s->p == '"')
        {
          s->p++;
          return TRUE;
        }
    }
  return FALSE;
}

/* Past one value of any kind: only its extent matters here (json-glib or
 * the readers above check what is inside). */
static gboolean
skip_value (Scanner *s)
{
  int depth = 0;

  skip_space (s);
  if (s->p >= s->end)
    return FALSE;
  if (*s->p == '"')
    return skip_string (s);
  if (*s->p != '{' && *s->p != '[')
    {
      while (s->p < s->end && *s->p != ',' && *s->p != '}' && *s->p != ']' && *s->p != ' ' &&
             *s->p != '\n' && *s->p != '\r' && *s->p != '\t')
        s->p++;
      return TRUE;
    }
  do
    {
      if (*s->p == '"')
        {
          if (!skip_string (s))
            return FALSE;
          continue;
        }
      if (*s->p == '{' || *s->p == '[')
        depth++;
      else if (*s->p == '}' || *s->p == ']')
        depth--;
      s->p++;
    }
  while (depth > 0 && s->p < s->end);
  return depth == 0;
}

/* In the object at @s, the value of member @name: its span. */
static gboolean
find_member (Scanner     *s,
             const char  *name,
             const char **start,
             const char **end)
{
  g_autoptr(GString) key = g_string_new (NULL);

  skip_space (s);
  if (s->p >= s->end || *s->p != '{')
    return FALSE;
  s->p++;
  for (;;)
    {
      const char *value;

      skip_space (s);
      if (s->p >= s->end || *s->p == '}' || !read_string (s, key))
        return FALSE;
      skip_space (s);
      if (s->p >= s->end || *s->p++ != ':')
        return FALSE;
      skip_space (s);
      value = s->p;
      if (!skip_value (s))
        return FALSE;
      if (strcmp (key->str, name) == 0)
        {
          *start = value;
          *end = s->p;
          return TRUE;
        }
      skip_space (s);
      if (s->p >= s->end || *s->p++ != ',')
        return FALSE;
    }
}

gboolean
vila_json_flat_find (const char  *json,
                     gsize        length,
                     const char  *outer,
                     const char  *inner,
                     gsize       *start,
                     gsize       *end)
{
  GError *ignored = NULL;
  Scanner s = { json, json, json + length, &ignored };
  const char *a, *b;
  gboolean found;

  found = find_member (&s, outer, &a, &b);
  if (found)
    {
      s.p = a;
      s.end = b;
      found = find_member (&s, inner, &a, &b);
    }
  g_clear_error (&ignored);
  if (!found)
    return FALSE;
  *start = a - json;
  *end = b - json;
  return TRUE;
}

gboolean
vila_json_flat_parse_merges (const char         *json,
                             gsize               length,
                             VilaJsonMergeFunc   func,
                             gpointer            user_data,
                             GError            **error)
{
  Scanner s = { json, json, json + length, error };
  g_autoptr(GString) left = g_string_sized_new (64);
  g_autoptr(GString) right = g_string_sized_new (64);

  if (!vila_utf8_validate (json, length, &s.p))
    return fail (&s, "the text is not UTF-8");
  skip_space (&s);
  if (s.p >= s.end || *s.p != '[')
    return fail (&s, "expected a JSON array");
  s.p++;
  skip_space (&s);
  if (s.p < s.end && *s.p == ']')
    s.p++;
  else
    for (;;)
      {
        skip_space (&s);
        if (s.p < s.end && *s.p == '[')
          {
            /* ["left", "right"] */
            s.p++;
            skip_space (&s);
            if (!read_string (&s, left))
              return FALSE;
            skip_space (&s);
            if (s.p >= s.end || *s.p++ != ',')
              return fail (&s, "expected a pair of strings");
            skip_space (&s);
            if (!read_string (&s, right))
              return FALSE;
            skip_space (&s);
            if (s.p >= s.end || *s.p++ != ']')
              return fail (&s, "expected a pair of strings");
            if (!func (left->str, left->len, right->str, right->len, user_data, error))
              return FALSE;
          }
        else
          {
            /* "left right" */
            if (!read_string (&s, left) || !func (left->str, left->len, NULL, 0, user_data, error))
              return FALSE;
          }
        skip_space (&s);
        if (s.p < s.end && *s.p == ',')
          {
            s.p++;
            continue;
          }
        if (s.p < s.end && *s.p == ']')
          {
            s.p++;
            break;
          }
        return fail (&s, "expected “,” or “]”");
      }
  skip_space (&s);
  return s.p == s.end || fail (&s, "text after the array");
}
