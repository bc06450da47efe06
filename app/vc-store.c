/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The chat database (see vc-store.h). The schema is a list of migrations:
 * version N of the file has run the first N of them, as PRAGMA
 * user_version records, and opening runs the rest in one transaction.
 * Full-text search is FTS5 over titles and message text, kept in step by
 * triggers.
 */
#define G_LOG_DOMAIN "vc-store"

#include "config.h"

#include <errno.h>
#include <sqlite3.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "vc-store.h"

G_DEFINE_QUARK (vc-store-error-quark, vc_store_error)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/* Migration i takes a file from version i to i + 1. Never edit one that
 * has shipped: add the next. */
static const char * const migrations[] = {
  /* 1: conversations, messages, their images, search */
  "CREATE TABLE conversations ("
  "  id INTEGER PRIMARY KEY,"
  "  title TEXT NOT NULL,"
  "  created INTEGER NOT NULL,"
  "  updated INTEGER NOT NULL,"
  "  system_prompt TEXT);"
  "CREATE TABLE messages ("
  "  id INTEGER PRIMARY KEY,"
  "  conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,"
  "  role INTEGER NOT NULL CHECK (role IN (0, 1)),"
  "  text TEXT NOT NULL,"
  "  state INTEGER NOT NULL CHECK (state BETWEEN 0 AND 4),"
  "  model TEXT,"
  "  temperature REAL,"
  "  top_p REAL,"
  "  max_new_tokens INTEGER,"
  "  first_token_ms REAL,"
  "  tokens_per_second REAL,"
  "  created INTEGER NOT NULL);"
  "CREATE INDEX messages_by_conversation ON messages (conversation_id, id);"
  "CREATE TABLE message_images ("
  "  message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,"
  "  position INTEGER NOT NULL,"
  "  sha256 TEXT NOT NULL CHECK (length (sha256) = 64),"
  "  text_offset INTEGER NOT NULL,"
  "  PRIMARY KEY (message_id, position));"
  "CREATE VIRTUAL TABLE conversations_fts USING fts5 (title, content='conversations', content_rowid='id');"
  "CREATE VIRTUAL TABLE messages_fts USING fts5 (text, content='messages', content_rowid='id');"
  "CREATE TRIGGER conversations_ai AFTER INSERT ON conversations BEGIN"
  "  INSERT INTO conversations_fts (rowid, title) VALUES (new.id, new.title); END;"
  "CREATE TRIGGER conversations_ad AFTER DELETE ON conversations BEGIN"
  "  INSERT INTO conversations_fts (conversations_fts, rowid, title) VALUES ('delete', old.id, old.title); END;"
  "CREATE TRIGGER conversations_au AFTER UPDATE OF title ON conversations BEGIN"
  "  INSERT INTO conversations_fts (conversations_fts, rowid, title) VALUES ('delete', old.id, old.title);"
  "  INSERT INTO conversations_fts (rowid, title) VALUES (new.id, new.title); END;"
  "CREATE TRIGGER messages_ai AFTER INSERT ON messages BEGIN"
  "  INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text); END;"
  "CREATE TRIGGER messages_ad AFTER DELETE ON messages BEGIN"
  "  INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text); END;"
  "CREATE TRIGGER messages_au AFTER UPDATE OF text ON messages BEGIN"
  "  INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);"
  "  INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text); END;",

  /* 2: a conversation's own sampling (NULL: the application's) */
  "ALTER TABLE conversations ADD COLUMN temperature REAL;"
  "ALTER TABLE conversations ADD COLUMN top_p REAL;"
  "ALTER TABLE conversations ADD COLUMN max_new_tokens INTEGER;",
};

#define SCHEMA_VERSION ((int) G_N_ELEMENTS (migrations))

struct _VcStore
{
  GObject  parent_instance;
  sqlite3 *db;
  char    *path;
  char    *folder;
};

G_DEFINE_FINAL_TYPE (VcStore, vc_store, G_TYPE_OBJECT)

static void
vc_store_finalize (GObject *object)
{
  VcStore *self = VC_STORE (object);

  if (self->db != NULL)
    sqlite3_close (self->db);
  g_free (self->path);
  g_free (self->folder);
  G_OBJECT_CLASS (vc_store_parent_class)->finalize (object);
}

static void
vc_store_class_init (VcStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = vc_store_finalize;
}

static void
vc_store_init (VcStore *self)
{
}

void
vc_conversation_free (VcConversation *conversation)
{
  if (conversation == NULL)
    return;
  g_free (conversation->title);
  g_free (conversation->system_prompt);
  g_free (conversation);
}

void
vc_message_free (VcMessage *message)
{
  if (message == NULL)
    return;
  g_free (message->text);
  g_free (message->model);
  if (message->images != NULL)
    g_array_unref (message->images);
  g_free (message);
}

static void
clear_image (gpointer data)
{
  g_free (((VcMessageImage *) data)->sha256);
}

static gboolean
fail (VcStore     *self,
      GError     **error,
      const char  *what)
{
  int code = sqlite3_errcode (self->db);

  g_set_error (error, VC_STORE_ERROR,
               code == SQLITE_CORRUPT || code == SQLITE_NOTADB ? VC_STORE_ERROR_CORRUPT : VC_STORE_ERROR_FAILED,
               _("%s: %s (%s)"), self->path, what, sqlite3_errmsg (self->db));
  return FALSE;
}

static sqlite3_stmt *
prepare (VcStore     *self,
         const char  *sql,
         GError     **error)
{
  sqlite3_stmt *statement = NULL;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &statement, NULL) != SQLITE_OK)
    {
      fail (self, error, _("cannot read the database"));
      return NULL;
    }
  return statement;
}

static gboolean
exec (VcStore     *self,
      const char  *sql,
      GError     **error)
{
  if (sqlite3_exec (self->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return fail (self, error, _("cannot change the database"));
  return TRUE;
}

/* One step of a statement that returns no rows. */
static gboolean
run (VcStore      *self,
     sqlite3_stmt *statement,
     GError      **error)
{
  if (sqlite3_step (statement) != SQLITE_DONE)
    return fail (self, error, _("cannot change the database"));
  return TRUE;
}

static int
user_version (VcStore  *self,
              GError  **error)
{
  g_autoptr(sqlite3_stmt) statement = prepare (self, "PRAGMA user_version", error);

  if (statement == NULL)
    return -1;
  if (sqlite3_step (statement) != SQLITE_ROW)
    {
      fail (self, error, _("cannot read the database"));
      return -1;
    }
  return sqlite3_column_int (statement, 0);
}

/* A version 0 file with tables in it is somebody else's database. */
static gboolean
is_empty (VcStore  *self,
          gboolean *empty,
          GError  **error)
{
  g_autoptr(sqlite3_stmt) statement = prepare (self, "SELECT count (*) FROM sqlite_master", error);

  if (statement == NULL || sqlite3_step (statement) != SQLITE_ROW)
    return statement == NULL ? FALSE : fail (self, error, _("cannot read the database"));
  *empty = sqlite3_column_int (statement, 0) == 0;
  return TRUE;
}

static gboolean
migrate (VcStore  *self,
         int       from,
         GError  **error)
{
  g_autofree char *set_version = g_strdup_printf ("PRAGMA user_version = %d", SCHEMA_VERSION);

  if (!exec (self, "BEGIN IMMEDIATE", error))
    return FALSE;
  for (int v = from; v < SCHEMA_VERSION; v++)
    if (!exec (self, migrations[v], error))
      {
        sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
        return FALSE;
      }
  if (!exec (self, set_version, error) || !exec (self, "COMMIT", error))
    {
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  return TRUE;
}

VcStore *
vc_store_open (const char  *path,
               GError     **error)
{
  g_autoptr(VcStore) self = g_object_new (VC_TYPE_STORE, NULL);
  g_autoptr(sqlite3_stmt) interrupted = NULL;
  gboolean empty = FALSE;
  int version;

  g_return_val_if_fail (path != NULL, NULL);

  self->path = g_strdup (path);
  self->folder = g_path_get_dirname (path);
  if (g_mkdir_with_parents (self->folder, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), _("Cannot create %s: %s"), self->folder,
                   g_strerror (saved));
      return NULL;
    }
  if (sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
    {
      fail (self, error, _("cannot open the database"));
      return NULL;
    }
  sqlite3_busy_timeout (self->db, 2000);

  /* Read before anything is written: a file we cannot use stays as it is. */
  if ((version = user_version (self, error)) < 0 || !is_empty (self, &empty, error))
    return NULL;
  if (version > SCHEMA_VERSION)
    {
      g_set_error (error, VC_STORE_ERROR, VC_STORE_ERROR_NEWER,
                   _("%s was written by a newer version of VILA Chat (schema %d, this one knows %d)"),
                   path, version, SCHEMA_VERSION);
      return NULL;
    }
  if (version == 0 && !empty)
    {
      g_set_error (error, VC_STORE_ERROR, VC_STORE_ERROR_CORRUPT, _("%s is not a VILA Chat database"), path);
      return NULL;
    }

  /* WAL: readers never wait for the writer, and a streaming answer's
   * saves are cheap appends. NORMAL sync loses nothing on a crash of the
   * app, at most the last commits on a power cut. */
  if (!exec (self, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON", error) ||
      (version < SCHEMA_VERSION && !migrate (self, version, error)))
    return NULL;

  /* Answers that were streaming when the app last ended. */
  interrupted = prepare (self, "UPDATE messages SET state = ?1 WHERE state = ?2", error);
  if (interrupted == NULL)
    return NULL;
  sqlite3_bind_int (interrupted, 1, VC_MESSAGE_INTERRUPTED);
  sqlite3_bind_int (interrupted, 2, VC_MESSAGE_STREAMING);
  if (!run (self, interrupted, error))
    return NULL;
  return g_steal_pointer (&self);
}

char *
vc_store_set_aside (const char  *path,
                    GError     **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%d-%H%M%S");
  g_autofree char *kept = g_strdup_printf ("%s.old-%s", path, stamp);
  static const char * const companions[] = { "-wal", "-shm" };

  g_return_val_if_fail (path != NULL, NULL);

  for (int n = 2; g_file_test (kept, G_FILE_TEST_EXISTS); n++)
    {
      g_free (kept);
      kept = g_strdup_printf ("%s.old-%s-%d", path, stamp, n);
    }
  if (g_rename (path, kept) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), _("Cannot move %s aside: %s"), path,
                   g_strerror (saved));
      return NULL;
    }
  /* The log may hold the last commits: it stays with its database. */
  for (guint i = 0; i < G_N_ELEMENTS (companions); i++)
    {
      g_autofree char *from = g_strconcat (path, companions[i], NULL);
      g_autofree char *to = g_strconcat (kept, companions[i], NULL);

      if (g_file_test (from, G_FILE_TEST_EXISTS) && g_rename (from, to) != 0)
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), _("Cannot move %s aside: %s"), from,
                       g_strerror (saved));
          return NULL;
        }
    }
  return g_steal_pointer (&kept);
}

const char *
vc_store_get_folder (VcStore *self)
{
  g_return_val_if_fail (VC_IS_STORE (self), NULL);

  return self->folder;
}

gint64
vc_store_add_conversation (VcStore     *self,
                           const char  *title,
                           GError     **error)
{
  g_autoptr(sqlite3_stmt) statement = NULL;
  gint64 now = g_get_real_time ();

  g_return_val_if_fail (VC_IS_STORE (self), 0);
  g_return_val_if_fail (title != NULL, 0);

  statement = prepare (self, "INSERT INTO conversations (title, created, updated) VALUES (?1, ?2, ?2)", error);
  if (statement == NULL)
    return 0;
  sqlite3_bind_text (statement, 1, title, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (statement, 2, now);
  if (!run (self, statement, error))
    return 0;
  return sqlite3_last_insert_rowid (self->db);
}

/* Runs @sql with ?1 = @id and ?2 = @text (if not NULL); FALSE with
 * NOT_FOUND when no row changed. */
static gboolean
change_row (VcStore     *self,
            const char  *sql,
            gint64       id,
            const char  *text,
            GError     **error)
{
  g_autoptr(sqlite3_stmt) statement = prepare (self, sql, error);

  if (statement == NULL)
    return FALSE;
  sqlite3_bind_int64 (statement, 1, id);
  if (text != NULL)
    sqlite3_bind_text (statement, 2, text, -1, SQLITE_TRANSIENT);
  if (!run (self, statement, error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, VC_STORE_ERROR, VC_STORE_ERROR_NOT_FOUND, _("There is no conversation or message %lld"), (long long) id);
      return FALSE;
    }
  return TRUE;
}

gboolean
vc_store_rename_conversation (VcStore     *self,
                              gint64       conversation_id,
                              const char  *title,
                              GError     **error)
{
  g_return_val_if_fail (VC_IS_STORE (self), FALSE);
  g_return_val_if_fail (title != NULL, FALSE);

  return change_row (self, "UPDATE conversations SET title = ?2 WHERE id = ?1", conversation_id, title, error);
}

gboolean
vc_store_set_system_prompt (VcStore     *self,
                            gint64       conversation_id,
                            const char  *system_prompt,
                            GError     **error)
{
  g_return_val_if_fail (VC_IS_STORE (self), FALSE);

  if (system_prompt == NULL)
    return change_row (self, "UPDATE conversations SET system_prompt = NULL WHERE id = ?1", conversation_id, NULL,
                       error);
  return change_row (self, "UPDATE conversations SET system_prompt = ?2 WHERE id = ?1", conversation_id,
                     system_prompt, error);
}

gboolean
vc_store_delete_conversation (VcStore  *self,
                              gint64    conversation_id,
                              GError  **error)
{
  g_return_val_if_fail (VC_IS_STORE (self), FALSE);

  return change_row (self, "DELETE FROM conversations WHERE id = ?1", conversation_id, NULL, error);
}

/* Whether FTS5's tokenizer finds a word in @word (an empty phrase would
 * match nothing and so fail the whole query). */
static gboolean
has_word_characters (const char *word)
{
  for (const char *p = word; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_isalnum (g_utf8_get_char (p)))
      return TRUE;
  return FALSE;
}

/* The user's words as an FTS5 query: each a quoted prefix term, all of
 * them required, so that punctuation in the text is never query syntax. */
static char *
fts_query (const char *text)
{
  g_auto(GStrv) words = g_strsplit_set (text, " \t\n\r", -1);
  g_autoptr(GString) query = g_string_new (NULL);

  for (guint i = 0; words[i] != NULL; i++)
    {
      if (!g_utf8_validate (words[i], -1, NULL) || !has_word_characters (words[i]))
        continue;
      g_string_append (query, query->len ? " \"" : "\"");
      for (const char *p = words[i]; *p != '\0'; p++)
        {
          if (*p == '"')
            g_string_append_c (query, '"');
          g_string_append_c (query, *p);
        }
      g_string_append (query, "\"*");
    }
  return query->len ? g_string_free (g_steal_pointer (&query), FALSE) : NULL;
}

static double column_optional_double (sqlite3_stmt *statement,
                                      int           index);
static void   bind_optional_double   (sqlite3_stmt *statement,
                                      int           index,
                                      double        value);

#define CONVERSATION_COLUMNS "id, title, created, updated, system_prompt, temperature, top_p, max_new_tokens"

static VcConversation *
conversation_from_row (sqlite3_stmt *statement)
{
  VcConversation *c = g_new0 (VcConversation, 1);

  c->id = sqlite3_column_int64 (statement, 0);
  c->title = g_strdup ((const char *) sqlite3_column_text (statement, 1));
  c->created = sqlite3_column_int64 (statement, 2);
  c->updated = sqlite3_column_int64 (statement, 3);
  c->system_prompt = g_strdup ((const char *) sqlite3_column_text (statement, 4));
  c->temperature = column_optional_double (statement, 5);
  c->top_p = column_optional_double (statement, 6);
  c->max_new_tokens = sqlite3_column_type (statement, 7) == SQLITE_NULL ? 0 : sqlite3_column_int64 (statement, 7);
  return c;
}

VcConversation *
vc_store_get_conversation (VcStore  *self,
                           gint64    conversation_id,
                           GError  **error)
{
  g_autoptr(sqlite3_stmt) statement = NULL;
  int rc;

  g_return_val_if_fail (VC_IS_STORE (self), NULL);

  if (!(statement = prepare (self, "SELECT " CONVERSATION_COLUMNS " FROM conversations WHERE id = ?1", error)))
    return NULL;
  sqlite3_bind_int64 (statement, 1, conversation_id);
  if ((rc = sqlite3_step (statement)) == SQLITE_ROW)
    return conversation_from_row (statement);
  if (rc == SQLITE_DONE)
    g_set_error (error, VC_STORE_ERROR, VC_STORE_ERROR_NOT_FOUND, _("There is no conversation %lld"),
                 (long long) conversation_id);
  else
    fail (self, error, _("cannot read the conversations"));
  return NULL;
}

gboolean
vc_store_set_sampling (VcStore     *self,
                       gint64       conversation_id,
                       double       temperature,
                       double       top_p,
                       gint64       max_new_tokens,
                       GError     **error)
{
  g_autoptr(sqlite3_stmt) statement = NULL;

  g_return_val_if_fail (VC_IS_STORE (self), FALSE);

  statement = prepare (self, "UPDATE conversations SET temperature = ?2, top_p = ?3, max_new_tokens = ?4 WHERE id = ?1",
                       error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_int64 (statement, 1, conversation_id);
  bind_optional_double (statement, 2, temperature);
  bind_optional_double (statement, 3, top_p);
  if (max_new_tokens > 0)
    sqlite3_bind_int64 (statement, 4, max_new_tokens);
  else
    sqlite3_bind_null (statement, 4);
  if (!run (self, statement, error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, VC_STORE_ERROR, VC_STORE_ERROR_NOT_FOUND, _("There is no conversation %lld"),
                   (long long) conversation_id);
      return FALSE;
    }
  return TRUE;
}

GPtrArray *
vc_store_list_conversations (VcStore     *self,
                             const char  *query,
                             GError     **error)
{
  g_autoptr(sqlite3_stmt) statement = NULL;
  g_autoptr(GPtrArray) conversations = g_ptr_array_new_with_free_func ((GDestroyNotify) vc_conversation_free);
  g_autofree char *match = query != NULL ? fts_query (query) : NULL;
  int rc;

  g_return_val_if_fail (VC_IS_STORE (self), NULL);

  statement = prepare (self,
                       "SELECT " CONVERSATION_COLUMNS " FROM conversations "
                       "WHERE ?1 IS NULL OR id IN ("
                       "  SELECT rowid FROM conversations_fts WHERE conversations_fts MATCH ?1 UNION "
                       "  SELECT conversation_id FROM messages WHERE id IN "
                       "    (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?1)) "
                       "ORDER BY updated DESC, id DESC", error);
  if (statement == NULL)
    return NULL;
  if (match != NULL)
    sqlite3_bind_text (statement, 1, match, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (statement)) == SQLITE_ROW)
    g_ptr_array_add (conversations, conversation_from_row (statement));
  if (rc != SQLITE_DONE)
    {
      fail (self, error, _("cannot read the conversations"));
      return NULL;
    }
  return g_steal_pointer (&conversations);
}

static void
bind_optional_double (sqlite3_stmt *statement,
                      int           index,
                      double        value)
{
  if (value < 0)
    sqlite3_bind_null (statement, index);
  else
    sqlite3_bind_double (statement, index, value);
}

static double
column_optional_double (sqlite3_stmt *statement,
                        int           index)
{
  return sqlite3_column_type (statement, index) == SQLITE_NULL ? -1.0 : sqlite3_column_double (statement, index);
}

static gboolean
touch_conversation (VcStore  *self,
                    gint64    conversation_id,
                    GError  **error)
{
  g_autoptr(sqlite3_stmt) statement = prepare (self, "UPDATE conversations SET updated = ?2 WHERE id = ?1", error);

  if (statement == NULL)
    return FALSE;
  sqlite3_bind_int64 (statement, 1, conversation_id);
  sqlite3_bind_int64 (statement, 2, g_get_real_time ());
  return run (self, statement, error);
}

gint64
vc_store_add_message (VcStore          *self,
                      const VcMessage  *message,
                      GError          **error)
{
  g_autoptr(sqlite3_stmt) statement = NULL;
  gint64 id;

  g_return_val_if_fail (VC_IS_STORE (self), 0);
  g_return_val_if_fail (message != NULL && message->text != NULL, 0);

  if (!exec (self, "SAVEPOINT add_message", error))
    return 0;
  statement = prepare (self,
                       "INSERT INTO messages (conversation_id, role, text, state, model, temperature, top_p, "
                       "max_new_tokens, first_token_ms, tokens_per_second, created) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)", error);
  if (statement == NULL)
    goto rollback;
  sqlite3_bind_int64 (statement, 1, message->conversation_id);
  sqlite3_bind_int (statement, 2, message->role);
  sqlite3_bind_text (statement, 3, message->text, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (statement, 4, message->state);
  if (message->model != NULL)
    sqlite3_bind_text (statement, 5, message->model, -1, SQLITE_TRANSIENT);
  bind_optional_double (statement, 6, message->temperature);
  bind_optional_double (statement, 7, message->top_p);
  if (message->max_new_tokens > 0)
    sqlite3_bind_int64 (statement, 8, message->max_new_tokens);
  bind_optional_double (statement, 9, message->first_token_ms);
  bind_optional_double (statement, 10, message->tokens_per_second);
  sqlite3_bind_int64 (statement, 11, message->created ? message->created : g_get_real_time ());
  if (!run (self, statement, error))
    goto rollback;
  id = sqlite3_last_insert_rowid (self->db);

  for (guint i = 0; message->images != NULL && i < message->images->len; i++)
    {
      const VcMessageImage *image = &g_array_index (message->images, VcMessageImage, i);
      g_autoptr(sqlite3_stmt) insert = prepare (self,
                                                "INSERT INTO message_images (message_id, position, sha256, "
                                                "text_offset) VALUES (?1, ?2, ?3, ?4)", error);

      if (insert == NULL)
        goto rollback;
      sqlite3_bind_int64 (insert, 1, id);
      sqlite3_bind_int (insert, 2, i);
      sqlite3_bind_text (insert, 3, image->sha256, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (insert, 4, image->text_offset);
      if (!run (self, insert, error))
        goto rollback;
    }
  if (!touch_conversation (self, message->conversation_id, error) || !exec (self, "RELEASE add_message", error))
    goto rollback;
  return id;

rollback:
  sqlite3_exec (self->db, "ROLLBACK TO add_message; RELEASE add_message", NULL, NULL, NULL);
  return 0;
}

gboolean
vc_store_update_message (VcStore         *self,
                         gint64           message_id,
                         const char      *text,
                         VcMessageState   state,
                         double           first_token_ms,
                         double           tokens_per_second,
                         GError         **error)
{
  g_autoptr(sqlite3_stmt) statement = NULL;

  g_return_val_if_fail (VC_IS_STORE (self), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  statement = prepare (self,
                       "UPDATE messages SET text = ?2, state = ?3, first_token_ms = ?4, tokens_per_second = ?5 "
                       "WHERE id = ?1", error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_int64 (statement, 1, message_id);
  sqlite3_bind_text (statement, 2, text, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (statement, 3, state);
  bind_optional_double (statement, 4, first_token_ms);
  bind_optional_double (statement, 5, tokens_per_second);
  if (!run (self, statement, error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, VC_STORE_ERROR, VC_STORE_ERROR_NOT_FOUND, _("There is no message %lld"), (long long) message_id);
      return FALSE;
    }
  return TRUE;
}

gboolean
vc_store_truncate_at (VcStore  *self,
                      gint64    message_id,
                      GError  **error)
{
  g_return_val_if_fail (VC_IS_STORE (self), FALSE);

  return change_row (self,
                     "DELETE FROM messages WHERE id >= ?1 AND conversation_id = "
                     "(SELECT conversation_id FROM messages WHERE id = ?1)", message_id, NULL, error);
}

gboolean
vc_store_delete_message (VcStore  *self,
                         gint64    message_id,
                         GError  **error)
{
  g_return_val_if_fail (VC_IS_STORE (self), FALSE);

  return change_row (self, "DELETE FROM messages WHERE id = ?1", message_id, NULL, error);
}

/* Each message's images, in order, filled in after the messages. */
static gboolean
read_images (VcStore    *self,
             gint64      conversation_id,
             GHashTable *by_id,
             GError    **error)
{
  g_autoptr(sqlite3_stmt) statement = prepare (self,
                                               "SELECT i.message_id, i.sha256, i.text_offset FROM message_images i "
                                               "JOIN messages m ON m.id = i.message_id WHERE m.conversation_id = ?1 "
                                               "ORDER BY i.message_id, i.position", error);
  int rc;

  if (statement == NULL)
    return FALSE;
  sqlite3_bind_int64 (statement, 1, conversation_id);
  while ((rc = sqlite3_step (statement)) == SQLITE_ROW)
    {
      gint64 message_id = sqlite3_column_int64 (statement, 0);
      VcMessage *message = g_hash_table_lookup (by_id, &message_id);
      VcMessageImage image = {
        g_strdup ((const char *) sqlite3_column_text (statement, 1)), sqlite3_column_int64 (statement, 2),
      };

      if (message != NULL)
        g_array_append_val (message->images, image);
      else
        g_free (image.sha256);
    }
  return rc == SQLITE_DONE || fail (self, error, _("cannot read the images"));
}

GPtrArray *
vc_store_list_messages (VcStore  *self,
                        gint64    conversation_id,
                        GError  **error)
{
  g_autoptr(sqlite3_stmt) statement = NULL;
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) vc_message_free);
  g_autoptr(GHashTable) by_id = g_hash_table_new (g_int64_hash, g_int64_equal);
  int rc;

  g_return_val_if_fail (VC_IS_STORE (self), NULL);

  statement = prepare (self,
                       "SELECT id, role, text, state, model, temperature, top_p, max_new_tokens, first_token_ms, "
                       "tokens_per_second, created FROM messages WHERE conversation_id = ?1 ORDER BY id", error);
  if (statement == NULL)
    return NULL;
  sqlite3_bind_int64 (statement, 1, conversation_id);
  while ((rc = sqlite3_step (statement)) == SQLITE_ROW)
    {
      VcMessage *m = g_new0 (VcMessage, 1);

      m->id = sqlite3_column_int64 (statement, 0);
      m->conversation_id = conversation_id;
      m->role = sqlite3_column_int (statement, 1);
      m->text = g_strdup ((const char *) sqlite3_column_text (statement, 2));
      m->state = sqlite3_column_int (statement, 3);
      m->model = g_strdup ((const char *) sqlite3_column_text (statement, 4));
      m->temperature = column_optional_double (statement, 5);
      m->top_p = column_optional_double (statement, 6);
      m->max_new_tokens = sqlite3_column_int64 (statement, 7);
      m->first_token_ms = column_optional_double (statement, 8);
      m->tokens_per_second = column_optional_double (statement, 9);
      m->created = sqlite3_column_int64 (statement, 10);
      m->images = g_array_new (FALSE, FALSE, sizeof (VcMessageImage));
      g_array_set_clear_func (m->images, clear_image);
      g_ptr_array_add (messages, m);
      g_hash_table_insert (by_id, &m->id, m);
    }
  if (rc != SQLITE_DONE)
    {
      fail (self, error, _("cannot read the messages"));
      return NULL;
    }
  if (!read_images (self, conversation_id, by_id, error))
    return NULL;
  return g_steal_pointer (&messages);
}
