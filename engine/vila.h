/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libvila: the VILA inference engine.
 *
 * The API is thread-agnostic: nothing here touches a main loop. A caller
 * (the app's worker thread, vila-cli, a test) loads a model, opens sessions
 * on it, feeds text and images in conversation order and generates with a
 * token callback. One model may serve several sessions, but each object is
 * used by one thread at a time; only the cancel flag is meant to be written
 * from another thread.
 */
#pragma once

#include <glib.h>

#include "vila-tokenizer.h"

G_BEGIN_DECLS

#define VILA_ERROR (vila_error_quark ())

typedef enum {
  VILA_ERROR_FAILED,
  VILA_ERROR_NOT_IMPLEMENTED,   /* a part of the engine that is not built yet */
  VILA_ERROR_NOT_FOUND,         /* a file or folder the model needs is missing */
  VILA_ERROR_INVALID_CHECKPOINT,/* a config, tensor or tokenizer file is corrupt */
  VILA_ERROR_UNSUPPORTED,       /* a valid checkpoint of a kind we do not run */
  VILA_ERROR_INVALID_ARGUMENT,
  VILA_ERROR_NO_DEVICE,         /* the requested backend cannot run here */
  VILA_ERROR_OUT_OF_MEMORY,
  VILA_ERROR_CONTEXT_FULL,      /* the session reached the model's context length */
  VILA_ERROR_CANCELLED,
} VilaError;

GQuark vila_error_quark (void);

/* Call at the start of main(), before any other thread runs: settles
 * what libraries the engine opens later read from the environment (it
 * keeps OpenBLAS from starting threads of its own). */
void vila_init (void);

/* Where the arithmetic runs. AUTO picks CUDA when a usable GPU exists. */
typedef enum {
  VILA_BACKEND_AUTO,
  VILA_BACKEND_CPU,
  VILA_BACKEND_CUDA,
} VilaBackendKind;

const char *vila_backend_kind_to_string   (VilaBackendKind  kind);
gboolean    vila_backend_kind_from_string (const char      *name,
                                           VilaBackendKind *out_kind);

/* Whether a backend can run on this machine. On FALSE, @out_reason (if not
 * NULL) receives one line that explains why, for the user. */
gboolean vila_backend_is_available (VilaBackendKind   kind,
                                    char            **out_reason);

/* The backend AUTO resolves to here; @out_note (if not NULL) receives the
 * reason when CUDA was passed over, or NULL. */
VilaBackendKind vila_backend_resolve (VilaBackendKind   requested,
                                      char            **out_note);

/* Precision in which weights live on the device (the CPU always computes in
 * fp32 from the checkpoint's dtype). fp16 matches the reference code, which
 * casts every VILA checkpoint to float16 (vila-format.md section 0.3). */
typedef enum {
  VILA_DTYPE_F16,
  VILA_DTYPE_BF16,
  VILA_DTYPE_F32,
} VilaDtype;

const char *vila_dtype_to_string   (VilaDtype   dtype);
gboolean    vila_dtype_from_string (const char *name,
                                    VilaDtype  *out_dtype);

typedef void (*VilaProgressFunc) (double      fraction,
                                  const char *what,
                                  gpointer    user_data);

/* A cancel flag is a plain int read with g_atomic_int_get(); any thread may
 * set it to a nonzero value with g_atomic_int_set(). The engine checks it at
 * least once per decode step and between loading stages. */
/* How mlp_downsample orders the merged 2x2 blocks of the feature grid
 * (vila-format.md section 0): VILA1.5 checkpoints were trained with the
 * column-major order of the vila1.5-era code, NVILA with raster order. */
typedef enum {
  VILA_TOKEN_ORDER_AUTO,           /* column-major for VILA1.5, raster for NVILA */
  VILA_TOKEN_ORDER_COLUMN_MAJOR,
  VILA_TOKEN_ORDER_RASTER,
} VilaTokenOrder;

typedef struct {
  VilaBackendKind  backend;
  VilaDtype        dtype;
  VilaTokenOrder   token_order;
  guint            n_threads;       /* CPU worker threads, 0 = one per core */
  VilaProgressFunc progress;
  gpointer         progress_data;
  const gint      *cancel;
} VilaLoadOptions;

void vila_load_options_init (VilaLoadOptions *options);

typedef struct _VilaModel VilaModel;

/* Families of vila-format.md section 1, in order of priority. */
typedef enum {
  VILA_FAMILY_UNKNOWN,
  VILA_FAMILY_VILA1_5,          /* three-part layout, Llama-2 LLM, SigLIP */
  VILA_FAMILY_VILA_LLAVA,       /* flat LLaVA layout of VILA-7B/13B, CLIP */
  VILA_FAMILY_LLAMA3_VILA1_5,   /* three-part layout, Llama-3 LLM */
  VILA_FAMILY_NVILA,            /* Qwen2 LLM, SigLIP-448, dynamic tiling */
  VILA_FAMILY_VILA1_5_40B,      /* Yi LLM, InternViT */
} VilaFamily;

const char *vila_family_to_string (VilaFamily family);

/* What a caller may want to show or decide with; filled at load. */
typedef struct {
  VilaFamily       family;
  const char      *name;             /* the folder name, e.g. "VILA1.5-3b" */
  const char      *layout;           /* "three-part" or "flat" */
  const char      *template_name;    /* "vicuna_v1", "llama_3", ... */
  VilaBackendKind  backend;          /* the backend actually in use */
  const char      *backend_note;     /* why "auto" passed the GPU over, or NULL */
  guint            context_length;
  guint            image_size;       /* pixels on the side the tower takes */
  guint            tokens_per_image;
  guint64          n_parameters;     /* every tensor in the checkpoint's files */
  guint64          n_bytes;
  const char      *dtypes;           /* of the weights, e.g. "BF16" or "BF16, F32" */

  const char      *llm_type;         /* "llama", "qwen2" */
  guint            llm_layers;
  guint            llm_hidden;
  guint            llm_heads;
  guint            llm_kv_heads;
  guint            vocab_size;
  const char      *vision_type;      /* "SigLIP", "CLIP" */
  guint            vision_layers;    /* the layers that run (feature selection) */
  guint            vision_hidden;
  const char      *projector;        /* "mlp_downsample", ... */
  gboolean         column_major;     /* mlp_downsample's block order in use */
} VilaModelInfo;

/* Loads the checkpoint in the folder @path (the model root, as downloaded
 * from the Hub). Returns NULL and sets @error on failure. */
VilaModel           *vila_model_load     (const char             *path,
                                          const VilaLoadOptions  *options,
                                          GError                **error);
VilaModel           *vila_model_ref      (VilaModel              *model);
void                 vila_model_unref    (VilaModel              *model);
const VilaModelInfo *vila_model_get_info (VilaModel              *model);
VilaTokenizer       *vila_model_get_tokenizer (VilaModel         *model);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VilaModel, vila_model_unref)

/* An image decoded by the caller: 8-bit RGB, rows of @stride bytes. The
 * engine copies what it needs during the append call. Orientation is the
 * caller's job (EXIF applied), so the model sees what the user sees. */
typedef struct {
  guint         width;
  guint         height;
  gsize         stride;
  const guint8 *pixels;
} VilaImage;

/* How a session frames what is appended. CHAT wraps turns in the model's
 * conversation template; RAW adds no markup, for in-context continuation
 * of interleaved image-text examples. */
typedef enum {
  VILA_PROMPT_CHAT,
  VILA_PROMPT_RAW,
} VilaPromptMode;

typedef struct {
  VilaPromptMode  mode;
  const char     *system_prompt;    /* NULL: the template's own */
  const char     *template_name;    /* NULL: chosen from the checkpoint */
} VilaSessionOptions;

void vila_session_options_init (VilaSessionOptions *options);

typedef struct _VilaSession VilaSession;

/* A session is one conversation and its KV cache. Appended content goes into
 * the current user turn; vila_session_generate() closes the turn, answers,
 * and records the answer, so a follow-up prefills only the new tokens. */
VilaSession *vila_session_new          (VilaModel                 *model,
                                        const VilaSessionOptions  *options,
                                        GError                   **error);
void         vila_session_free         (VilaSession               *session);
gboolean     vila_session_append_text  (VilaSession               *session,
                                        const char                *text,
                                        GError                   **error);
gboolean     vila_session_append_image (VilaSession               *session,
                                        const VilaImage           *image,
                                        GError                   **error);
/* Closes the current user turn with a stored answer (a conversation
 * continued from what was saved): written into the prompt as the
 * reference rebuilds it from text every turn, and prefilled with the next
 * generate(). What follows goes into a new user turn. */
gboolean     vila_session_append_answer (VilaSession              *session,
                                         const char               *text,
                                         GError                  **error);
/* Forgets everything from turn @n_turns on (0 = all), keeping the cached
 * prefix, for edit-and-resend and regenerate. */
gboolean     vila_session_truncate     (VilaSession               *session,
                                        guint                      n_turns,
                                        GError                   **error);
guint        vila_session_get_n_tokens (VilaSession               *session);
/* The logits the last generated token was drawn from (after a generate()
 * with max_new_tokens 1: those of the prompt's last position). Decoding
 * on a GPU chooses tokens there and leaves the later logits there: then
 * they stay those of the prompt's last position. */
const float  *vila_session_get_logits  (VilaSession               *session,
                                        guint                     *n_vocab);
/* The token of each position in the cache, -1 for image rows. */
const gint32 *vila_session_get_tokens  (VilaSession               *session,
                                        guint                     *n_tokens);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VilaSession, vila_session_free)

typedef struct {
  float   temperature;         /* 0 = greedy */
  float   top_p;               /* 1 = off */
  guint   top_k;               /* 0 = off */
  float   repetition_penalty;  /* 1 = off */
  guint64 seed;
  guint   max_new_tokens;
} VilaSamplingParams;

/* Greedy decoding with the reference's default length (512 new tokens). */
void vila_sampling_params_init (VilaSamplingParams *params);

typedef enum {
  VILA_STOP_NONE,
  VILA_STOP_EOS,               /* end-of-sequence token or template stop string */
  VILA_STOP_MAX_TOKENS,
  VILA_STOP_CANCELLED,
  VILA_STOP_CALLBACK,          /* the token callback asked to stop */
  VILA_STOP_CONTEXT_FULL,
} VilaStopReason;

typedef struct {
  guint          n_prompt_tokens;   /* tokens prefilled for this answer */
  guint          n_generated;
  gint64         time_to_first_token_us;
  gint64         decode_us;
  VilaStopReason stop_reason;
} VilaGenerateStats;

/* Called once per generated token with the text it completes: always whole
 * UTF-8 characters, possibly empty while a character is still incomplete.
 * Return FALSE to stop generating. */
typedef gboolean (*VilaTokenFunc) (const char *text,
                                   gint32      token_id,
                                   gpointer    user_data);

/* Generates the answer to the current turn. Returns FALSE only on error; a
 * cancelled or stopped answer returns TRUE with the stop reason in @stats
 * and keeps what was generated. */
gboolean vila_session_generate (VilaSession               *session,
                                const VilaSamplingParams  *params,
                                VilaTokenFunc              on_token,
                                gpointer                   user_data,
                                const gint                *cancel,
                                VilaGenerateStats         *stats,
                                GError                   **error);

/* Speed on a model with the real shapes and made-up weights. */
typedef struct {
  guint           n_images;          /* 1 */
  guint           prompt_tokens;     /* text tokens after the images, 64 */
  guint           gen_tokens;        /* 32 */
  VilaBackendKind backend;           /* CPU */
  VilaDtype       dtype;             /* of the weights on a GPU, F16 */
  float           temperature;       /* of decoding: 0 = greedy */
  float           top_p;             /* 1 = off */
} VilaBenchOptions;

typedef struct {
  VilaBackendKind backend;         /* the one that ran */
  char    device[128];             /* "CPU" or the GPU's name */
  guint   threads;
  double  read_gb_s;               /* CPU: loads from one plain buffer on every core
                                    * (the median of the sweeps taken between decode
                                    * blocks); CUDA: a device-to-device copy
                                    * (read + write) */
  double  load_s;
  double  vision_s;
  double  prefill_s;
  double  ttft_ms;
  guint   prompt_tokens;           /* text and image positions */
  double  prefill_tok_s;
  double  prefill_gflop_s;
  guint   gen_tokens;
  double  decode_tok_s;
  guint64 weight_bytes_per_token;
  guint64 kv_bytes_per_token;
  double  decode_gb_s;
  double  bandwidth_fraction;      /* of read_gb_s; on the CPU the median over
                                    * decode blocks, each against the sweeps
                                    * beside it */
} VilaBenchResult;

void     vila_bench_options_init (VilaBenchOptions        *options);
/* @synthetic: "vila1.5-3b", "llama3-vila1.5-8b" or "vila1.5-13b". */
gboolean vila_bench_run          (const char              *synthetic,
                                  const VilaBenchOptions  *options,
                                  VilaBenchResult         *result,
                                  GError                 **error);

/* The products of a decoding step at @synthetic's sizes, timed on the
 * GPU in each shape of our product kernel: a report of a few lines, or
 * NULL and @error (no GPU, or built without CUDA). */
char    *vila_bench_kernels      (const char              *synthetic,
                                  GError                 **error);

const char *vila_version (void);

G_END_DECLS
