"""Staff read ledger balances and entries in GB / MB and in the currency, with the exact
figure beside."""

from roamcard.ledger.admin import human_amount
from roamcard.ledger.models import Account, Entry, Transaction


def test_amounts_as_staff_read_them():
    assert human_amount(1536 * 1024**2, "BYTE") == "1.5 GB (+1610612736)"
    assert human_amount(-800 * 1024**2, "BYTE") == "-800 MB (-838860800)"
    assert human_amount(6800, "CNY") == "CN¥68.00 (+6800)"
    assert human_amount(-1000, "JPY") == "-¥1,000 (-1000)"


def test_the_ledger_pages_show_readable_balances(staff_client):
    card_data = Account.objects.create(code="card:1:data", unit="BYTE")
    sales = Account.objects.create(code="sales:CNY", unit="CNY")
    clearing = Account.objects.create(code="clearing:CNY", unit="CNY")
    grant = Transaction.objects.create(key="t1", kind="grant")
    Entry.objects.create(transaction=grant, account=card_data, unit="BYTE", amount=5 * 1024**3)
    sale = Transaction.objects.create(key="t2", kind="payment")
    Entry.objects.create(transaction=sale, account=clearing, unit="CNY", amount=6800)
    Entry.objects.create(transaction=sale, account=sales, unit="CNY", amount=-6800)

    accounts = staff_client.get("/admin/ledger/account/").content.decode()
    assert "5 GB (+5368709120)" in accounts
    assert "-CN¥68.00 (-6800)" in accounts
    entries = staff_client.get("/admin/ledger/entry/").content.decode()
    assert "CN¥68.00 (+6800)" in entries
