/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define VC_STORE_ERROR (vc_store_error_quark ())

typedef enum {
  VC_STORE_ERROR_FAILED,
  VC_STORE_ERROR_CORRUPT,     /* not a database, or a damaged one: left as it is */
  VC_STORE_ERROR_NEWER,       /* written by a newer VILA Chat: left as it is */
  VC_STORE_ERROR_NOT_FOUND,
} VcStoreError;

GQuark vc_store_error_quark (void);

typedef enum {
  VC_MESSAGE_STREAMING,       /* being written (saved at least once a second) */
  VC_MESSAGE_COMPLETE,
  VC_MESSAGE_STOPPED,         /* the user stopped it; the text so far is kept */
  VC_MESSAGE_INTERRUPTED,     /* the app ended while it streamed */
  VC_MESSAGE_ERROR,
} VcMessageState;

typedef enum {
  VC_ROLE_USER,
  VC_ROLE_ASSISTANT,
} VcRole;

typedef struct {
  gint64  id;
  char   *title;
  gint64  created;            /* microseconds since the epoch, as g_get_real_time() */
  gint64  updated;
  char   *system_prompt;      /* a per-conversation override, or NULL */
  double  temperature;        /* the conversation's own sampling: negative, */
  double  top_p;              /* or 0 tokens, for the application's */
  gint64  max_new_tokens;
} VcConversation;

/* An image of a message: its content address in the image store and where
 * it goes in the text (a byte offset; -1 for before the text). */
typedef struct {
  char   *sha256;
  gint64  text_offset;
} VcMessageImage;

typedef struct {
  gint64          id;
  gint64          conversation_id;
  VcRole          role;
  char           *text;
  VcMessageState  state;
  char           *model;            /* that answered, or NULL */
  double          temperature;      /* the sampling of the answer, negative if unknown */
  double          top_p;
  gint64          max_new_tokens;
  double          first_token_ms;   /* timings of the answer, negative if unknown */
  double          tokens_per_second;
  gint64          created;
  GArray         *images;           /* VcMessageImage, in order */
} VcMessage;

void vc_conversation_free (VcConversation *conversation);
void vc_message_free      (VcMessage      *message);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VcConversation, vc_conversation_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VcMessage, vc_message_free)

/* The chat database: conversations, their messages and the images of each
 * message in order (the pixels themselves live in the image store beside
 * it). One SQLite file in WAL mode, its schema versioned with PRAGMA
 * user_version and migrated forward on open. Used from one thread. */
#define VC_TYPE_STORE (vc_store_get_type ())
G_DECLARE_FINAL_TYPE (VcStore, vc_store, VC, STORE, GObject)

/* Opens (creating) the database at @path; answers left streaming by an
 * earlier run are marked interrupted. A file that is not a database, is
 * damaged or is from a newer version gives VC_STORE_ERROR_CORRUPT or
 * _NEWER and is not changed. */
VcStore        *vc_store_open               (const char      *path,
                                             GError         **error);
/* Moves the database at @path (with its write-ahead log and shared-memory
 * files, if any) aside to a name beside it that says when, so that a
 * fresh one can be made there: nothing is deleted or changed. Returns
 * the new name of the old file. */
char           *vc_store_set_aside          (const char      *path,
                                             GError         **error);
/* The folder that holds the database and the image store. */
const char     *vc_store_get_folder         (VcStore         *store);

gint64          vc_store_add_conversation   (VcStore         *store,
                                             const char      *title,
                                             GError         **error);
gboolean        vc_store_rename_conversation (VcStore        *store,
                                              gint64          conversation_id,
                                              const char     *title,
                                              GError        **error);
gboolean        vc_store_set_system_prompt  (VcStore         *store,
                                             gint64           conversation_id,
                                             const char      *system_prompt,
                                             GError         **error);
/* The conversation's own sampling; a negative @temperature or @top_p,
 * or @max_new_tokens 0, leaves that one to the application's settings. */
gboolean        vc_store_set_sampling       (VcStore         *store,
                                             gint64           conversation_id,
                                             double           temperature,
                                             double           top_p,
                                             gint64           max_new_tokens,
                                             GError         **error);
VcConversation *vc_store_get_conversation   (VcStore         *store,
                                             gint64           conversation_id,
                                             GError         **error);
gboolean        vc_store_delete_conversation (VcStore        *store,
                                              gint64          conversation_id,
                                              GError        **error);
/* Newest first (by last change); @query (FTS5 words, or NULL for all)
 * matches titles and message text. */
GPtrArray      *vc_store_list_conversations (VcStore         *store,
                                             const char      *query,
                                             GError         **error);

/* Appends a message; @images (VcMessageImage, may be NULL) must already be
 * in the image store. Returns its id, or 0 and @error. */
gint64          vc_store_add_message        (VcStore         *store,
                                             const VcMessage *message,
                                             GError         **error);
/* A streaming answer's text and state so far, with its timings. */
gboolean        vc_store_update_message     (VcStore         *store,
                                             gint64           message_id,
                                             const char      *text,
                                             VcMessageState   state,
                                             double           first_token_ms,
                                             double           tokens_per_second,
                                             GError         **error);
/* Deletes the message and every later one of its conversation (edit and
 * resend, regenerate). */
gboolean        vc_store_truncate_at        (VcStore         *store,
                                             gint64           message_id,
                                             GError         **error);
/* Deletes one message (and its images' rows). */
gboolean        vc_store_delete_message     (VcStore         *store,
                                             gint64           message_id,
                                             GError         **error);
GPtrArray      *vc_store_list_messages      (VcStore         *store,
                                             gint64           conversation_id,
                                             GError         **error);

G_END_DECLS
