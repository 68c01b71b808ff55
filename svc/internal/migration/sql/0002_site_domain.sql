-- The site's domain name as svc/domainname recorded it: the host a
-- visitor's browser used, when that host is the configured domain or one
-- of its aliases. One row (id 1), so every replica reads the same value.
CREATE TABLE site_domain (
  id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
  domain VARCHAR(253) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  CONSTRAINT site_domain_one_row CHECK (id = 1)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
