-- Activity feed. tenant_id is NULL for platform-wide events (maintenance windows,
-- security notices), which every tenant's feed shows.
CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  tenant_id uuid REFERENCES tenants (id),
  actor_id uuid REFERENCES users (id),
  action text NOT NULL,
  subject text,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX audit_log_tenant_created_idx ON audit_log (tenant_id, created_at DESC);

ALTER TABLE invoices ADD COLUMN notes text;
