-- Secret keys every replica must share, made by the first one that needs
-- them (db.Key): the key that signs list cursors, for one.
CREATE TABLE site_keys (
  name VARCHAR(64) NOT NULL PRIMARY KEY,
  secret VARBINARY(64) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
