/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "vila-test-checkpoint.h"

/* Tiny dimensions with the awkward parts of the real ones: grouped query
 * attention, an odd patch grid with a pixel remainder (30 / 4 = 7 rest 2),
 * a vision select layer of -2. */
#define LLM_HIDDEN 64
#define LLM_INTER 96
#define LLM_LAYERS 2
#define LLM_HEADS 4
#define LLM_KV_HEADS 2
#define LLM_VOCAB 2000
#define VIS_HIDDEN 32
#define VIS_INTER 48
#define VIS_LAYERS 3
#define VIS_HEADS 2
#define VIS_IMAGE 30
#define VIS_PATCH 4

typedef struct {
  char   *name;
  char   *dtype;
  guint   n_dims;
  gint64  shape[4];
} Entry;

typedef struct {
  GArray             *entries;
  VilaTestTensorEdit  edit;
  gpointer            user_data;
  const char         *dtype;
} Builder;

static void
clear_entry (gpointer data)
{
  Entry *entry = data;

  g_free (entry->name);
  g_free (entry->dtype);
}

static void
add (Builder    *builder,
     const char *name,
     guint       n_dims,
     gint64      d0,
     gint64      d1,
     gint64      d2,
     gint64      d3)
{
  Entry entry = { g_strdup (name), g_strdup (builder->dtype), n_dims, { d0, d1, d2, d3 } };

  if (builder->edit && !builder->edit (name, entry.shape, n_dims, builder->user_data))
    {
      clear_entry (&entry);
      return;
    }
  g_array_append_val (builder->entries, entry);
}

#define V(b, name, n) add ((b), (name), 1, (n), 0, 0, 0)
#define M(b, name, r, c) add ((b), (name), 2, (r), (c), 0, 0)

static gsize
dtype_size (const char *dtype)
{
  return strcmp (dtype, "F32") == 0 ? 4 : 2;
}

/* One safetensors file of @entries[first..last). */
static void
write_safetensors (const char *path,
                   GArray     *entries,
                   guint       first,
                   guint       last)
{
  g_autoptr(GString) header = g_string_new ("{\"__metadata__\": {\"format\": \"pt\"}");
  g_autoptr(GByteArray) file = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  gsize offset = 0;
  guint64 length;

  for (guint i = first; i < last; i++)
    {
      Entry *e = &g_array_index (entries, Entry, i);
      gsize bytes = dtype_size (e->dtype);

      g_string_append_printf (header, ", \"%s\": {\"dtype\": \"%s\", \"shape\": [", e->name, e->dtype);
      for (guint d = 0; d < e->n_dims; d++)
        {
          g_string_append_printf (header, d ? ", %" G_GINT64_FORMAT : "%" G_GINT64_FORMAT, e->shape[d]);
          bytes *= e->shape[d];
        }
      g_string_append_printf (header, "], \"data_offsets\": [%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT "]}",
                              offset, offset + bytes);
      offset += bytes;
    }
  g_string_append_c (header, '}');
  while (header->len % 8 != 0)
    g_string_append_c (header, ' ');

  length = GUINT64_TO_LE (header->len);
  g_byte_array_append (file, (const guint8 *) &length, 8);
  g_byte_array_append (file, (const guint8 *) header->str, header->len);
  /* A fixed pattern of small values (0x3c00 is 1.0 in fp16; any bytes do
   * for loading). */
  g_byte_array_set_size (file, file->len + offset);
  for (gsize i = 0; i < offset; i++)
    file->data[file->len - offset + i] = (guint8) (i * 7 + 1) & 0x3f;

  g_file_set_contents (path, (const char *) file->data, file->len, &error);
  g_assert_no_error (error);
}

static void
add_llm (Builder *b)
{
  gint64 head = LLM_HIDDEN / LLM_HEADS;

  M (b, "model.embed_tokens.weight", LLM_VOCAB, LLM_HIDDEN);
  for (guint i = 0; i < LLM_LAYERS; i++)
    {
      g_autofree char *p = g_strdup_printf ("model.layers.%u.", i);
      g_autofree char *n = NULL;

#define N(s) (g_free (n), n = g_strconcat (p, s, NULL))
      V (b, N ("input_layernorm.weight"), LLM_HIDDEN);
      M (b, N ("self_attn.q_proj.weight"), LLM_HEADS * head, LLM_HIDDEN);
      M (b, N ("self_attn.k_proj.weight"), LLM_KV_HEADS * head, LLM_HIDDEN);
      M (b, N ("self_attn.v_proj.weight"), LLM_KV_HEADS * head, LLM_HIDDEN);
      M (b, N ("self_attn.o_proj.weight"), LLM_HIDDEN, LLM_HEADS * head);
      V (b, N ("post_attention_layernorm.weight"), LLM_HIDDEN);
      M (b, N ("mlp.gate_proj.weight"), LLM_INTER, LLM_HIDDEN);
      M (b, N ("mlp.up_proj.weight"), LLM_INTER, LLM_HIDDEN);
      M (b, N ("mlp.down_proj.weight"), LLM_HIDDEN, LLM_INTER);
#undef N
    }
  V (b, "model.norm.weight", LLM_HIDDEN);
  M (b, "lm_head.weight", LLM_VOCAB, LLM_HIDDEN);
}

static void
add_vision (Builder    *b,
            const char *prefix,
            gboolean    clip)
{
  gint64 grid = VIS_IMAGE / VIS_PATCH;
  g_autofree char *n = NULL;

#define N(s) (g_free (n), n = g_strconcat (prefix, "vision_model.", s, NULL))
  add (b, N ("embeddings.patch_embedding.weight"), 4, VIS_HIDDEN, 3, VIS_PATCH, VIS_PATCH);
  M (b, N ("embeddings.position_embedding.weight"), grid * grid + (clip ? 1 : 0), VIS_HIDDEN);
  if (clip)
    {
      V (b, N ("embeddings.class_embedding"), VIS_HIDDEN);
      V (b, N ("pre_layrnorm.weight"), VIS_HIDDEN);
      V (b, N ("pre_layrnorm.bias"), VIS_HIDDEN);
    }
  else
    V (b, N ("embeddings.patch_embedding.bias"), VIS_HIDDEN);
  /* All layers, the unused last one and post_layernorm too, as saved. */
  for (guint i = 0; i < VIS_LAYERS; i++)
    {
      static const char * const proj[] = { "q_proj", "k_proj", "v_proj", "out_proj" };
      g_autofree char *l = g_strdup_printf ("encoder.layers.%u.", i);
      g_autofree char *m = NULL;

#define L(s) (g_free (m), m = g_strconcat (l, s, NULL), N (m))
      for (guint k = 0; k < 4; k++)
        {
          g_autofree char *w = g_strdup_printf ("self_attn.%s.weight", proj[k]);
          g_autofree char *bias = g_strdup_printf ("self_attn.%s.bias", proj[k]);

          M (b, L (w), VIS_HIDDEN, VIS_HIDDEN);
          V (b, L (bias), VIS_HIDDEN);
        }
      V (b, L ("layer_norm1.weight"), VIS_HIDDEN);
      V (b, L ("layer_norm1.bias"), VIS_HIDDEN);
      V (b, L ("layer_norm2.weight"), VIS_HIDDEN);
      V (b, L ("layer_norm2.bias"), VIS_HIDDEN);
      M (b, L ("mlp.fc1.weight"), VIS_INTER, VIS_HIDDEN);
      V (b, L ("mlp.fc1.bias"), VIS_INTER);
      M (b, L ("mlp.fc2.weight"), VIS_HIDDEN, VIS_INTER);
      V (b, L ("mlp.fc2.bias"), VIS_HIDDEN);
#undef L
    }
  V (b, N ("post_layernorm.weight"), VIS_HIDDEN);
  V (b, N ("post_layernorm.bias"), VIS_HIDDEN);
#undef N
}

/* The flat layout's top-level model_type is the VILA model's, so the LLM
 * keys come without one there. */
static char *
llm_config_json (gboolean with_type)
{
  return g_strdup_printf ("%s\"hidden_size\": %d, \"intermediate_size\": %d, "
                          "\"num_hidden_layers\": %d, \"num_attention_heads\": %d, \"num_key_value_heads\": %d, "
                          "\"vocab_size\": %d, \"rms_norm_eps\": 1e-05, \"max_position_embeddings\": 512",
                          with_type ? "\"model_type\": \"llama\", " : "", LLM_HIDDEN, LLM_INTER, LLM_LAYERS, LLM_HEADS, LLM_KV_HEADS, LLM_VOCAB);
}

static char *
vision_config_json (const char *type)
{
  return g_strdup_printf ("{\"model_type\": \"%s\", \"hidden_size\": %d, \"intermediate_size\": %d, "
                          "\"num_hidden_layers\": %d, \"num_attention_heads\": %d, \"image_size\": %d, "
                          "\"patch_size\": %d}",
                          type, VIS_HIDDEN, VIS_INTER, VIS_LAYERS, VIS_HEADS, VIS_IMAGE, VIS_PATCH);
}

static void
write_text (const char *dir,
            const char *name,
            const char *text)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static void
copy_tokenizer (const char *from,
                const char *to)
{
  static const char * const files[] = { "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json" };

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *src = g_build_filename (from, files[i], NULL);
      g_autofree char *dst = g_build_filename (to, files[i], NULL);
      g_autoptr(GFile) a = g_file_new_for_path (src);
      g_autoptr(GFile) b = g_file_new_for_path (dst);
      g_autoptr(GError) error = NULL;

      g_file_copy (a, b, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error);
      g_assert_no_error (error);
    }
}

static char *
make_dir (const char *parent,
          const char *name)
{
  char *dir = g_build_filename (parent, name, NULL);

  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  return dir;
}

char *
vila_test_write_checkpoint (VilaTestLayout      layout,
                            const char         *tokenizer_dir,
                            VilaTestTensorEdit  edit,
                            gpointer            user_data)
{
  g_autoptr(GError) error = NULL;
  char *root = g_dir_make_tmp ("vila-checkpoint-XXXXXX", &error);
  g_autofree char *llm_cfg = llm_config_json (layout == VILA_TEST_VILA15);
  g_autoptr(GArray) entries = g_array_new (FALSE, FALSE, sizeof (Entry));
  Builder b = { entries, edit, user_data, "BF16" };

  g_assert_no_error (error);
  g_array_set_clear_func (entries, clear_entry);

  if (layout == VILA_TEST_VILA15)
    {
      g_autofree char *llm = make_dir (root, "llm");
      g_autofree char *vision = make_dir (root, "vision_tower");
      g_autofree char *projector = make_dir (root, "mm_projector");
      g_autofree char *vision_cfg = vision_config_json ("siglip_vision_model");
      g_autofree char *config = NULL;
      g_autoptr(GString) index = g_string_new ("{\"metadata\": {}, \"weight_map\": {");
      g_autofree char *shard1 = g_build_filename (llm, "model-00001-of-00002.safetensors", NULL);
      g_autofree char *shard2 = g_build_filename (llm, "model-00002-of-00002.safetensors", NULL);
      g_autofree char *vision_file = g_build_filename (vision, "model.safetensors", NULL);
      g_autofree char *projector_file = g_build_filename (projector, "model.safetensors", NULL);
      guint split;

      config = g_strdup_printf ("{\"architectures\": [\"LlavaLlamaModel\"], \"model_type\": \"llava_llama\", "
                                "\"mm_hidden_size\": %d, \"image_aspect_ratio\": \"resize\", "
                                "\"mm_vision_select_layer\": -2, \"mm_vision_select_feature\": \"cls_patch\", "
                                "\"llm_cfg\": {%s}, \"vision_tower_cfg\": %s, "
                                "\"mm_projector_cfg\": {\"mm_projector_type\": \"mlp_downsample\"}}",
                                VIS_HIDDEN, llm_cfg, vision_cfg);
      write_text (root, "config.json", config);
      copy_tokenizer (tokenizer_dir, llm);

      /* The LLM in two shards, as VILA1.5-3b ships it. */
      add_llm (&b);
      split = entries->len / 2;
      write_safetensors (shard1, entries, 0, split);
      write_safetensors (shard2, entries, split, entries->len);
      for (guint i = 0; i < entries->len; i++)
        g_string_append_printf (index, "%s\"%s\": \"model-0000%u-of-00002.safetensors\"", i ? ", " : "",
                                g_array_index (entries, Entry, i).name, i < split ? 1 : 2);
      g_string_append (index, "}}");
      write_text (llm, "model.safetensors.index.json", index->str);

      g_array_set_size (entries, 0);
      b.dtype = "F16";
      add_vision (&b, "", FALSE);
      write_safetensors (vision_file, entries, 0, entries->len);

      g_array_set_size (entries, 0);
      b.dtype = "F32";
      V (&b, "layers.1.weight", 4 * VIS_HIDDEN);
      V (&b, "layers.1.bias", 4 * VIS_HIDDEN);
      M (&b, "layers.2.weight", LLM_HIDDEN, 4 * VIS_HIDDEN);
      V (&b, "layers.2.bias", LLM_HIDDEN);
      M (&b, "layers.4.weight", LLM_HIDDEN, LLM_HIDDEN);
      V (&b, "layers.4.bias", LLM_HIDDEN);
      write_safetensors (projector_file, entries, 0, entries->len);
    }
  else
    {
      g_autofree char *vision_cfg = vision_config_json ("clip_vision_model");
      g_autofree char *config = NULL;
      g_autofree char *file = g_build_filename (root, "model.safetensors", NULL);

      config = g_strdup_printf ("{\"architectures\": [\"LlavaLlamaForCausalLM\"], \"model_type\": \"llava_llama\", "
                                "\"mm_vision_tower\": \"openai/clip-vit-large-patch14-336\", \"mm_hidden_size\": %d, "
                                "\"mm_projector_type\": \"mlp2x_gelu\", \"mm_vision_select_layer\": -2, "
                                "\"mm_vision_select_feature\": \"patch\", \"image_aspect_ratio\": \"pad\", "
                                "\"vision_tower_cfg\": %s, %s}",
                                VIS_HIDDEN, vision_cfg, llm_cfg);
      write_text (root, "config.json", config);
      copy_tokenizer (tokenizer_dir, root);

      add_llm (&b);
      add_vision (&b, "model.vision_tower.vision_tower.", TRUE);
      M (&b, "model.mm_projector.0.weight", LLM_HIDDEN, VIS_HIDDEN);
      V (&b, "model.mm_projector.0.bias", LLM_HIDDEN);
      M (&b, "model.mm_projector.2.weight", LLM_HIDDEN, LLM_HIDDEN);
      V (&b, "model.mm_projector.2.bias", LLM_HIDDEN);
      write_safetensors (file, entries, 0, entries->len);
    }

  return root;
}

static void
remove_tree (GFile *file)
{
  g_autoptr(GFileEnumerator) children =
    g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME, G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  GFileInfo *info;

  while (children && (info = g_file_enumerator_next_file (children, NULL, NULL)))
    {
      g_autoptr(GFile) child = g_file_get_child (file, g_file_info_get_name (info));

      remove_tree (child);
      g_object_unref (info);
    }
  g_file_delete (file, NULL, NULL);
}

void
vila_test_remove_checkpoint (const char *path)
{
  g_autoptr(GFile) root = g_file_new_for_path (path);

  remove_tree (root);
}
