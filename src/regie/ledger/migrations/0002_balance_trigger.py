"""On PostgreSQL, refuse at commit any ledger entry whose debits and credits differ.

A deferred constraint trigger checks each touched entry when the transaction commits, after all
its lines are in: the last line of defence behind the service's own check. SQLite has no
deferred triggers; there the service check and the chain verification stand alone.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION ledger_entry_balances() RETURNS trigger AS $$
DECLARE
    difference bigint;
    target bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN target := OLD.entry_id; ELSE target := NEW.entry_id; END IF;
    SELECT COALESCE(SUM(debit), 0) - COALESCE(SUM(credit), 0) INTO difference
      FROM ledger_entryline WHERE entry_id = target;
    IF difference <> 0 THEN
        RAISE EXCEPTION 'ledger entry % does not balance (difference % cents)', target, difference
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER ledger_entryline_balanced
    AFTER INSERT OR UPDATE OR DELETE ON ledger_entryline
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_balances();
"""

DROP = """
DROP TRIGGER IF EXISTS ledger_entryline_balanced ON ledger_entryline;
DROP FUNCTION IF EXISTS ledger_entry_balances();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
