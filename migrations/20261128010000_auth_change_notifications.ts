// Triggers that announce revocations and user changes on the artdag_auth channel, so every process's
// session cache learns of them at commit, whoever made the change (API, worker, or SQL by hand).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION artdag_notify_auth_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_TABLE_NAME = 'revoked_tokens' THEN
        PERFORM pg_notify('artdag_auth', json_build_object(
          'revoked', NEW.jti, 'expires', floor(extract(epoch FROM NEW.expires_at) * 1000))::text);
      ELSIF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('artdag_auth', json_build_object('user', OLD.username)::text);
      ELSE
        PERFORM pg_notify('artdag_auth', json_build_object('user', NEW.username)::text);
        IF TG_OP = 'UPDATE' AND OLD.username <> NEW.username THEN
          PERFORM pg_notify('artdag_auth', json_build_object('user', OLD.username)::text);
        END IF;
      END IF;
      RETURN NULL;
    END $$;
  `);
  await knex.raw(
    `CREATE TRIGGER revoked_tokens_notify AFTER INSERT ON revoked_tokens FOR EACH ROW EXECUTE FUNCTION artdag_notify_auth_change()`,
  );
  await knex.raw(`CREATE TRIGGER users_notify AFTER UPDATE OR DELETE ON users FOR EACH ROW EXECUTE FUNCTION artdag_notify_auth_change()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER IF EXISTS users_notify ON users');
  await knex.raw('DROP TRIGGER IF EXISTS revoked_tokens_notify ON revoked_tokens');
  await knex.raw('DROP FUNCTION IF EXISTS artdag_notify_auth_change()');
}
