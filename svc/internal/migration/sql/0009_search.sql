-- People search (svc/app/search). A person is found by the words of their
-- display name, headline and city, each folded in Go (NFKD, accents
-- dropped, lower case) so that "jose" finds "José": the folding needs
-- Unicode tables MySQL and MariaDB do not share, so it is done once, in
-- Go, and the column compares bytes (utf8mb4_bin). InnoDB FULLTEXT is not
-- used: its minimum token size (3 on InnoDB by default) and its stopwords
-- make the one- and two-letter prefixes of autocomplete fail, and its
-- settings differ between the two servers.
--
-- "Words starting with ann" is one range scan of the primary key; "does
-- person X have a word starting with ann" one range probe of
-- search_words_user. field says where the word comes from (0 the name, 1
-- the headline, 2 the city), so that words of details the viewer may not
-- see do not find the person.
CREATE TABLE search_words (
  word VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  user_id BIGINT UNSIGNED NOT NULL,
  field TINYINT UNSIGNED NOT NULL,
  PRIMARY KEY (word, user_id, field),
  KEY search_words_user (user_id, word, field),
  CONSTRAINT search_words_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Who is indexed, with the version of the folding their words were made
-- with: people registered before this migration, or indexed by an older
-- folding, are (re)indexed by the app at start (search.Service.Backfill).
CREATE TABLE search_people (
  user_id BIGINT UNSIGNED NOT NULL,
  version SMALLINT UNSIGNED NOT NULL,
  PRIMARY KEY (user_id),
  CONSTRAINT search_people_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
