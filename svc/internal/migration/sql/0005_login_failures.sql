-- Failed sign-ins of each account, counted in the database so that every
-- replica agrees: after a few in a row (none more than a window apart),
-- signing in to the account needs a solved captcha. A successful sign-in
-- resets the count.
ALTER TABLE users
  ADD COLUMN login_failures INT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN login_failed_at DATETIME(6) NULL;
