-- Notifications (svc/app/notify). Likes and comments on one post are
-- grouped: while unread there is one row per (recipient, kind, subject),
-- which the unique key notifications_open enforces (unread is 1, or NULL
-- once read, and NULLs never collide, so read rows pile up as history).
-- The row carries the count of actors and the latest three of them, so a
-- page of the list is one range scan of notifications_list; the unread
-- count is one range scan of notifications_unread.
CREATE TABLE notifications (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  recipient_id BIGINT UNSIGNED NOT NULL,
  kind ENUM('friend_request', 'friend_accepted', 'like', 'comment', 'comment_reply') NOT NULL,
  subject_id BIGINT UNSIGNED NOT NULL,
  unread TINYINT UNSIGNED NULL,
  actor_count INT UNSIGNED NOT NULL,
  latest_actors VARCHAR(64) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  UNIQUE KEY notifications_open (recipient_id, kind, subject_id, unread),
  KEY notifications_list (recipient_id, updated_at, id),
  KEY notifications_unread (recipient_id, unread),
  CONSTRAINT notifications_recipient_fk FOREIGN KEY (recipient_id) REFERENCES users (id) ON DELETE CASCADE,
  CONSTRAINT notifications_unread_1 CHECK (unread = 1)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Everyone who acted in a notification, latest first by acted_at, so that
-- withdrawing one (an unlike) can recompute the count and the latest
-- three.
CREATE TABLE notification_actors (
  notification_id BIGINT UNSIGNED NOT NULL,
  actor_id BIGINT UNSIGNED NOT NULL,
  acted_at DATETIME(6) NOT NULL,
  PRIMARY KEY (notification_id, actor_id),
  KEY notification_actors_latest (notification_id, acted_at, actor_id),
  KEY notification_actors_actor (actor_id),
  CONSTRAINT notification_actors_notification_fk FOREIGN KEY (notification_id) REFERENCES notifications (id) ON DELETE CASCADE,
  CONSTRAINT notification_actors_actor_fk FOREIGN KEY (actor_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
