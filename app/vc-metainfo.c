/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "vc-metainfo"

#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "vc-metainfo.h"

/* Translated copies of an element carry xml:lang; we keep, per field, the
 * one whose language ranks best in the user's locale list, and the
 * untranslated one when no language matches. */
typedef struct {
  char *value;
  int   rank;   /* index in g_get_language_names(), G_MAXINT when untranslated */
} Localized;

typedef struct {
  VcMetainfo *metainfo;
  Localized   name;
  Localized   summary;
  Localized   developer_name;
  GString    *text;          /* text of the element being read */
  Localized  *text_target;   /* where that text goes, or NULL */
  int         text_rank;
  char       *url_type;
  guint       depth_in_releases;
  gboolean    in_first_release;
  int         description_depth;   /* >0 inside the first release's description */
  int         skip_depth;          /* >0 inside a translated element there */
  GString    *release_notes;
} ParseState;

static int
language_rank (const char *lang)
{
  const char * const *names = g_get_language_names ();

  if (lang == NULL)
    return G_MAXINT;

  for (int i = 0; names[i] != NULL; i++)
    if (g_strcmp0 (names[i], lang) == 0)
      return i;

  return -1;   /* a language the user does not read */
}

static void
localized_offer (Localized  *slot,
                 const char *value,
                 int         rank)
{
  if (rank < 0)
    return;
  if (slot->value != NULL && slot->rank <= rank)
    return;

  g_free (slot->value);
  slot->value = g_strstrip (g_strdup (value));
  slot->rank = rank;
}

static const char *
find_attribute (const char **names,
                const char **values,
                const char  *wanted)
{
  for (guint i = 0; names[i] != NULL; i++)
    if (strcmp (names[i], wanted) == 0)
      return values[i];
  return NULL;
}

static gboolean
is_description_markup (const char *element)
{
  static const char * const allowed[] = { "p", "ul", "ol", "li", "em", "code" };

  for (guint i = 0; i < G_N_ELEMENTS (allowed); i++)
    if (strcmp (element, allowed[i]) == 0)
      return TRUE;
  return FALSE;
}

static void
replace_string (char       **slot,
                const char  *value)
{
  g_free (*slot);
  *slot = g_strdup (value);
}

static void
on_start_element (GMarkupParseContext  *context,
                  const char           *element,
                  const char          **attribute_names,
                  const char          **attribute_values,
                  gpointer              user_data,
                  GError              **error)
{
  ParseState *state = user_data;
  const GSList *stack = g_markup_parse_context_get_element_stack (context);
  const char *parent = stack->next ? stack->next->data : NULL;
  const char *lang = find_attribute (attribute_names, attribute_values, "xml:lang");

  if (state->description_depth > 0)
    {
      /* Release notes stay untranslated: msgfmt writes each translated
       * paragraph as a sibling with xml:lang, which would repeat the text. */
      state->description_depth++;
      if (state->skip_depth > 0 || lang != NULL)
        state->skip_depth++;
      else if (is_description_markup (element))
        g_string_append_printf (state->release_notes, "<%s>", element);
      return;
    }

  g_string_truncate (state->text, 0);
  state->text_target = NULL;
  state->text_rank = language_rank (lang);

  if (g_strcmp0 (parent, "component") == 0)
    {
      if (strcmp (element, "name") == 0)
        state->text_target = &state->name;
      else if (strcmp (element, "summary") == 0)
        state->text_target = &state->summary;
      else if (strcmp (element, "developer_name") == 0)
        state->text_target = &state->developer_name;
      else if (strcmp (element, "url") == 0)
        replace_string (&state->url_type,
                        find_attribute (attribute_names, attribute_values, "type"));
    }
  else if (g_strcmp0 (parent, "developer") == 0 && strcmp (element, "name") == 0)
    state->text_target = &state->developer_name;
  else if (g_strcmp0 (parent, "releases") == 0 && strcmp (element, "release") == 0)
    {
      /* Releases are listed newest first (AppStream specification). */
      if (state->metainfo->version == NULL)
        {
          state->in_first_release = TRUE;
          replace_string (&state->metainfo->version,
                          find_attribute (attribute_names, attribute_values, "version"));
        }
    }
  else if (state->in_first_release && strcmp (element, "description") == 0)
    state->description_depth = 1;
}

static void
on_end_element (GMarkupParseContext  *context,
                const char           *element,
                gpointer              user_data,
                GError              **error)
{
  ParseState *state = user_data;
  const GSList *stack = g_markup_parse_context_get_element_stack (context);
  const char *parent = stack->next ? stack->next->data : NULL;
  VcMetainfo *metainfo = state->metainfo;

  if (state->description_depth > 0)
    {
      state->description_depth--;
      if (state->skip_depth > 0)
        state->skip_depth--;
      else if (state->description_depth > 0 && is_description_markup (element))
        g_string_append_printf (state->release_notes, "</%s>", element);
      return;
    }

  if (state->text_target != NULL)
    localized_offer (state->text_target, state->text->str, state->text_rank);
  else if (g_strcmp0 (parent, "component") == 0)
    {
      g_autofree char *value = g_strstrip (g_strdup (state->text->str));

      if (strcmp (element, "id") == 0)
        replace_string (&metainfo->id, value);
      else if (strcmp (element, "project_license") == 0)
        replace_string (&metainfo->project_license, value);
      else if (strcmp (element, "url") == 0 && g_strcmp0 (state->url_type, "homepage") == 0)
        replace_string (&metainfo->homepage, value);
      else if (strcmp (element, "url") == 0 && g_strcmp0 (state->url_type, "bugtracker") == 0)
        replace_string (&metainfo->bugtracker, value);
    }
  else if (strcmp (element, "release") == 0)
    state->in_first_release = FALSE;

  state->text_target = NULL;
  g_string_truncate (state->text, 0);
}

static void
on_text (GMarkupParseContext  *context,
         const char           *text,
         gsize                 length,
         gpointer              user_data,
         GError              **error)
{
  ParseState *state = user_data;

  if (state->description_depth > 0)
    {
      /* Text directly inside <description> is only indentation. */
      if (state->description_depth > 1 && state->skip_depth == 0)
        {
          g_autofree char *escaped = g_markup_escape_text (text, length);
          g_string_append (state->release_notes, escaped);
        }
      return;
    }

  g_string_append_len (state->text, text, length);
}

static const GMarkupParser metainfo_parser = {
  .start_element = on_start_element,
  .end_element = on_end_element,
  .text = on_text,
};

VcMetainfo *
vc_metainfo_parse (const char  *xml,
                   gssize       length,
                   GError     **error)
{
  g_autoptr(VcMetainfo) metainfo = g_new0 (VcMetainfo, 1);
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GString) release_notes = g_string_new (NULL);
  ParseState state = {
    .metainfo = metainfo,
    .text = text,
    .release_notes = release_notes,
  };
  gboolean ok;

  g_return_val_if_fail (xml != NULL, NULL);

  context = g_markup_parse_context_new (&metainfo_parser, G_MARKUP_PREFIX_ERROR_POSITION,
                                        &state, NULL);
  ok = g_markup_parse_context_parse (context, xml, length, error) &&
       g_markup_parse_context_end_parse (context, error);

  metainfo->name = g_steal_pointer (&state.name.value);
  metainfo->summary = g_steal_pointer (&state.summary.value);
  metainfo->developer_name = g_steal_pointer (&state.developer_name.value);
  g_free (state.url_type);

  if (!ok)
    return NULL;

  if (metainfo->id == NULL || metainfo->name == NULL)
    {
      g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                   "Metainfo has no <id> or <name>");
      return NULL;
    }

  if (release_notes->len > 0)
    metainfo->release_notes = g_string_free (g_steal_pointer (&release_notes), FALSE);

  return g_steal_pointer (&metainfo);
}

VcMetainfo *
vc_metainfo_load_resource (const char  *resource_path,
                           GError     **error)
{
  g_autoptr(GBytes) bytes = NULL;
  gsize size;
  const char *data;

  g_return_val_if_fail (resource_path != NULL, NULL);

  if (!(bytes = g_resources_lookup_data (resource_path, 0, error)))
    return NULL;

  data = g_bytes_get_data (bytes, &size);
  return vc_metainfo_parse (data, size, error);
}

void
vc_metainfo_free (VcMetainfo *metainfo)
{
  if (metainfo == NULL)
    return;

  g_free (metainfo->id);
  g_free (metainfo->name);
  g_free (metainfo->summary);
  g_free (metainfo->developer_name);
  g_free (metainfo->project_license);
  g_free (metainfo->homepage);
  g_free (metainfo->bugtracker);
  g_free (metainfo->version);
  g_free (metainfo->release_notes);
  g_free (metainfo);
}
