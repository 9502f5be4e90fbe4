-- Core tables. `tenants` are our customers (workspaces); `plans` and `countries`
-- are reference data shared by every tenant; everything else belongs to a tenant.
CREATE EXTENSION IF NOT EXISTS pgcrypto;

CREATE TABLE plans (
  id text PRIMARY KEY,              -- 'free', 'team', 'business'
  name text NOT NULL,
  price_cents integer NOT NULL,
  max_projects integer,             -- NULL: unlimited
  max_seats integer
);

CREATE TABLE countries (
  code char(2) PRIMARY KEY,
  name text NOT NULL,
  vat_rate numeric(5, 2) NOT NULL DEFAULT 0
);

CREATE TABLE tenants (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug text NOT NULL UNIQUE,
  name text NOT NULL,
  plan_id text NOT NULL REFERENCES plans (id),
  country_code char(2) REFERENCES countries (code),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  email text NOT NULL,
  name text NOT NULL,
  role text NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'admin', 'member')),
  created_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  UNIQUE (tenant_id, email)
);

INSERT INTO plans (id, name, price_cents, max_projects, max_seats) VALUES
  ('free', 'Free', 0, 3, 2),
  ('team', 'Team', 4900, 25, 20),
  ('business', 'Business', 19900, NULL, NULL);
