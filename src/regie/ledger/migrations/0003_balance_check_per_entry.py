"""On PostgreSQL, check each touched entry's balance once per transaction, at commit.

The trigger of 0002 ran at commit once per line written, each time summing all the lines of
the line's entry: posting a billing run of 13,900 invoices (54,800 lines) ran 54,800 such sums,
and an entry of n lines cost n sums of n lines.
Now statement-level triggers note which entries a statement touched (from its transition
tables) in ``ledger_balance_pending``, and the statement's first note in a transaction also
inserts the transaction's row in ``ledger_balance_token``. A deferred constraint trigger on that
row runs once at commit (or at ``SET CONSTRAINTS ALL IMMEDIATE``), checks every noted entry in
one query, refuses the transaction if one does not balance, and clears the notes: the same
guarantee with one check per entry instead of one per line. Both tables only ever hold rows of
transactions in progress.
"""

from importlib import import_module

from django.db import migrations

CREATE = """
CREATE TABLE ledger_balance_pending (txid bigint NOT NULL, entry_id bigint NOT NULL);
CREATE INDEX ledger_balance_pending_txid ON ledger_balance_pending (txid);
CREATE TABLE ledger_balance_token (txid bigint PRIMARY KEY);

CREATE FUNCTION ledger_lines_touched() RETURNS trigger AS $$
DECLARE
    noted bigint := 0;
    more bigint;
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO ledger_balance_pending (txid, entry_id)
            SELECT DISTINCT txid_current(), entry_id FROM new_lines;
        GET DIAGNOSTICS noted = ROW_COUNT;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO ledger_balance_pending (txid, entry_id)
            SELECT DISTINCT txid_current(), entry_id FROM old_lines;
        GET DIAGNOSTICS more = ROW_COUNT;
        noted := noted + more;
    END IF;
    IF noted > 0 THEN
        INSERT INTO ledger_balance_token (txid) VALUES (txid_current()) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER ledger_entryline_inserted AFTER INSERT ON ledger_entryline
    REFERENCING NEW TABLE AS new_lines
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_lines_touched();
CREATE TRIGGER ledger_entryline_updated AFTER UPDATE ON ledger_entryline
    REFERENCING OLD TABLE AS old_lines NEW TABLE AS new_lines
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_lines_touched();
CREATE TRIGGER ledger_entryline_deleted AFTER DELETE ON ledger_entryline
    REFERENCING OLD TABLE AS old_lines
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_lines_touched();

CREATE FUNCTION ledger_entries_balance() RETURNS trigger AS $$
DECLARE
    unbalanced record;
BEGIN
    SELECT touched.entry_id,
           COALESCE(SUM(line.debit), 0) - COALESCE(SUM(line.credit), 0) AS difference
      INTO unbalanced
      FROM (SELECT DISTINCT entry_id FROM ledger_balance_pending WHERE txid = NEW.txid) touched
      LEFT JOIN ledger_entryline line ON line.entry_id = touched.entry_id
     GROUP BY touched.entry_id
    HAVING COALESCE(SUM(line.debit), 0) <> COALESCE(SUM(line.credit), 0)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger entry % does not balance (difference % cents)',
            unbalanced.entry_id, unbalanced.difference
            USING ERRCODE = 'check_violation';
    END IF;
    DELETE FROM ledger_balance_pending WHERE txid = NEW.txid;
    DELETE FROM ledger_balance_token WHERE txid = NEW.txid;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER ledger_balance_checked
    AFTER INSERT ON ledger_balance_token
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_entries_balance();

DROP TRIGGER ledger_entryline_balanced ON ledger_entryline;
DROP FUNCTION ledger_entry_balances();
"""

DROP = """
DROP TRIGGER ledger_entryline_inserted ON ledger_entryline;
DROP TRIGGER ledger_entryline_updated ON ledger_entryline;
DROP TRIGGER ledger_entryline_deleted ON ledger_entryline;
DROP FUNCTION ledger_lines_touched();
DROP TABLE ledger_balance_token;
DROP FUNCTION ledger_entries_balance();
DROP TABLE ledger_balance_pending;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        per_line = import_module("regie.ledger.migrations.0002_balance_trigger")
        schema_editor.execute(DROP, params=None)
        schema_editor.execute(per_line.CREATE, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_balance_trigger")]

    operations = [migrations.RunPython(forwards, backwards)]
