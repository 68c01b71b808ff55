-- Friends (svc/app/friend). A friendship is two rows, one per direction,
-- written and deleted together in one transaction, so that "the friends
-- of X" (lists, mutual friends, the home feed's "posts of my friends") is
-- one range scan of the primary key, and the newest-first list one range
-- scan of friendships_list.
CREATE TABLE friendships (
  user_id BIGINT UNSIGNED NOT NULL,
  friend_id BIGINT UNSIGNED NOT NULL,
  created_at DATETIME(6) NOT NULL,
  PRIMARY KEY (user_id, friend_id),
  KEY friendships_list (user_id, created_at, friend_id),
  KEY friendships_friend (friend_id),
  CONSTRAINT friendships_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
  CONSTRAINT friendships_friend_fk FOREIGN KEY (friend_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Pending friend requests only: accepting, declining or cancelling one
-- deletes its row.
CREATE TABLE friend_requests (
  sender_id BIGINT UNSIGNED NOT NULL,
  addressee_id BIGINT UNSIGNED NOT NULL,
  created_at DATETIME(6) NOT NULL,
  PRIMARY KEY (sender_id, addressee_id),
  KEY friend_requests_outgoing (sender_id, created_at, addressee_id),
  KEY friend_requests_incoming (addressee_id, created_at, sender_id),
  CONSTRAINT friend_requests_sender_fk FOREIGN KEY (sender_id) REFERENCES users (id) ON DELETE CASCADE,
  CONSTRAINT friend_requests_addressee_fk FOREIGN KEY (addressee_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Declined requests, remembered so that the sender cannot ask again for a
-- while (friend.DeclineCooldown) and suggestions skip the pair.
CREATE TABLE friend_declines (
  sender_id BIGINT UNSIGNED NOT NULL,
  addressee_id BIGINT UNSIGNED NOT NULL,
  declined_at DATETIME(6) NOT NULL,
  PRIMARY KEY (sender_id, addressee_id),
  KEY friend_declines_addressee (addressee_id, sender_id),
  CONSTRAINT friend_declines_sender_fk FOREIGN KEY (sender_id) REFERENCES users (id) ON DELETE CASCADE,
  CONSTRAINT friend_declines_addressee_fk FOREIGN KEY (addressee_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Blocks: blocker_id blocked blocked_id. "Is either blocked by the other"
-- is two primary-key lookups.
CREATE TABLE blocks (
  blocker_id BIGINT UNSIGNED NOT NULL,
  blocked_id BIGINT UNSIGNED NOT NULL,
  created_at DATETIME(6) NOT NULL,
  PRIMARY KEY (blocker_id, blocked_id),
  KEY blocks_list (blocker_id, created_at, blocked_id),
  KEY blocks_blocked (blocked_id, blocker_id),
  CONSTRAINT blocks_blocker_fk FOREIGN KEY (blocker_id) REFERENCES users (id) ON DELETE CASCADE,
  CONSTRAINT blocks_blocked_fk FOREIGN KEY (blocked_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Who sees a person's profile details (svc/app/account) and friend list
-- (svc/app/friend).
ALTER TABLE users
  ADD COLUMN profile_visibility ENUM('everyone', 'members', 'friends') NOT NULL DEFAULT 'everyone',
  ADD COLUMN friends_visibility ENUM('everyone', 'friends', 'only_me') NOT NULL DEFAULT 'everyone';
