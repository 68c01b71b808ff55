-- Posts, likes and comments (svc/app/feed).
--
-- A post is on a wall: wall_kind 'user' is a person's own wall, its
-- author's, with wall_id NULL; the issues that add groups and companies
-- post on their walls with wall_kind 'group' or 'company' and wall_id the
-- group's or company's id, and people's walls and home feeds keep to
-- wall_kind 'user'. Attached media will be rows of a post_media table
-- (post_id, position, media_id), so a post row never changes shape.
--
-- kind 'friendship' is the feed item "author and friend_id are now
-- friends", written with the friendship in one transaction: one per
-- friend, visible to that friend only, without text.
--
-- like_count and comment_count are kept in the same transaction as each
-- like and comment (under the post row's lock), so a page shows its counts
-- without counting.
CREATE TABLE posts (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  author_id BIGINT UNSIGNED NOT NULL,
  kind ENUM('post', 'friendship') NOT NULL DEFAULT 'post',
  friend_id BIGINT UNSIGNED NULL,
  wall_kind ENUM('user', 'group', 'company') NOT NULL DEFAULT 'user',
  wall_id BIGINT UNSIGNED NULL,
  visibility ENUM('public', 'friends', 'only_me') NOT NULL,
  text TEXT NOT NULL,
  created_at DATETIME(6) NOT NULL,
  edited_at DATETIME(6) NULL,
  like_count INT UNSIGNED NOT NULL DEFAULT 0,
  comment_count INT UNSIGNED NOT NULL DEFAULT 0,
  -- A person's wall, newest first: one backward range scan; and the home
  -- feed of a person with few friends, one range scan per friend. It
  -- holds every column those queries test, so they read no row they do
  -- not show.
  KEY posts_author (author_id, wall_kind, created_at, id, visibility, kind, friend_id),
  -- The home feed walks every person's posts newest first and keeps those
  -- of the reader and the reader's friends. The index holds every column
  -- the walk tests, so it never reads a row it does not show.
  KEY posts_time (wall_kind, created_at, id, author_id, visibility, kind, friend_id),
  KEY posts_friend (friend_id),
  CONSTRAINT posts_author_fk FOREIGN KEY (author_id) REFERENCES users (id) ON DELETE CASCADE,
  CONSTRAINT posts_friend_fk FOREIGN KEY (friend_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One like per person per post: the primary key.
CREATE TABLE post_likes (
  post_id BIGINT UNSIGNED NOT NULL,
  user_id BIGINT UNSIGNED NOT NULL,
  created_at DATETIME(6) NOT NULL,
  PRIMARY KEY (post_id, user_id),
  KEY post_likes_list (post_id, created_at, user_id),
  KEY post_likes_user (user_id),
  CONSTRAINT post_likes_post_fk FOREIGN KEY (post_id) REFERENCES posts (id) ON DELETE CASCADE,
  CONSTRAINT post_likes_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE comments (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  post_id BIGINT UNSIGNED NOT NULL,
  author_id BIGINT UNSIGNED NOT NULL,
  text TEXT NOT NULL,
  created_at DATETIME(6) NOT NULL,
  -- A post's comments, oldest first.
  KEY comments_post (post_id, created_at, id),
  -- Whether someone still has a comment on a post, and a post's commenters.
  KEY comments_author (author_id, post_id),
  KEY comments_commenters (post_id, author_id),
  CONSTRAINT comments_post_fk FOREIGN KEY (post_id) REFERENCES posts (id) ON DELETE CASCADE,
  CONSTRAINT comments_author_fk FOREIGN KEY (author_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
