-- One account per address as its owner reads it (DESIGN.md "Identity").
-- The old unique key on email compared under utf8mb4_unicode_ci, which
-- folds accents and ignores some invisible characters, so jose@ and josé@
-- were one address and al<U+200B>ice@ was alice@. email_key holds the
-- canonical form (trimmed, NFC, lower-cased) as bytes, unique under a
-- binary comparison; email keeps the address as its owner typed it, for
-- display.
--
-- SQL can trim and lower-case but cannot normalize to NFC, and MySQL's
-- LOWER may differ from Go's for rare letters. For ASCII addresses (byte
-- length equal to character length) TRIM and LOWER give exactly the
-- canonical form. The others are marked email_legacy = 1, and the app
-- recomputes their key in Go when it starts (account.Recanonicalize)
-- and clears the mark. No two existing rows can share a key: the old key
-- already refused any two addresses that differ only in case or
-- normalization.
ALTER TABLE users
  ADD COLUMN email_key VARBINARY(1024) NULL AFTER email,
  ADD COLUMN email_legacy TINYINT UNSIGNED NOT NULL DEFAULT 0 AFTER email_key;
UPDATE users SET email_key = CAST(LOWER(TRIM(email)) AS BINARY),
  email_legacy = IF(LENGTH(email) <> CHAR_LENGTH(email), 1, 0);
ALTER TABLE users
  MODIFY email_key VARBINARY(1024) NOT NULL,
  DROP INDEX users_email,
  ADD UNIQUE KEY users_email_key (email_key),
  ADD KEY users_email_legacy (email_legacy);
