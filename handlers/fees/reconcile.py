"""Reconciliation: WeChat Pay's daily trade bill against the orders recorded here.

The bill (GET /v3/bill/tradebill, then its download, checked against the SHA1
WeChat Pay gives) lists every transaction of a Beijing day as CSV whose values
start with a backtick. Each successful transaction should be an order recorded
paid here, for the same amount; each order recorded paid that day should be in
the bill. Every difference is listed for the secretariat:

    not_recorded     WeChat Pay took the money, the order is not recorded paid here (or unknown)
    not_in_bill      recorded paid here, not in WeChat Pay's bill
    amount_differs   both, for different amounts
"""
from __future__ import annotations

import csv
import gzip
import hashlib
import io
from datetime import date

from bot import wechat_pay
from storage import pay_orders as orders


class BillError(RuntimeError):
    """The bill could not be had, or its content does not match its hash."""


def fetch_bill(pay, day: date) -> str:
    _, answer = wechat_pay._call("trade bill", pay.trade_bill, bill_date=day.isoformat(), tar_type="GZIP")
    try:
        status, content = pay.download_bill(answer["download_url"])
    except Exception as error:  # the SDK's own errors are bare Exception; requests' too
        raise BillError(f"download: {type(error).__name__}") from None
    if status != 200 or not isinstance(content, bytes):
        raise BillError(f"download: HTTP {status}")
    if hashlib.sha1(content).hexdigest().lower() != str(answer.get("hash_value", "")).lower():
        raise BillError("the bill's SHA1 does not match")
    return gzip.decompress(content).decode("utf-8-sig")


def _fen(text: str) -> int:
    return int(round(float(text or 0) * 100))


def parse_bill(text: str) -> list[dict]:
    """The transactions of a bill: out_trade_no, transaction_id, state, amount_fen (应结订单金额)."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return []
    header = [name.strip() for name in rows[0]]
    found = []
    for row in rows[1:]:
        if len(row) != len(header) or not row[0].startswith("`"):
            break  # the summary lines after the transactions
        record = dict(zip(header, (value.lstrip("`").strip() for value in row)))
        found.append({"out_trade_no": record["商户订单号"], "transaction_id": record["微信订单号"],
                      "state": record["交易状态"], "amount_fen": _fen(record["应结订单金额"]),
                      "paid_at": record["交易时间"]})
    return found


def compare(db, bill: list[dict], day: date) -> list[dict]:
    """Every difference between the bill and what is recorded here for that day."""
    mismatches = []
    in_bill = {row["out_trade_no"]: row for row in bill if row["state"] == "SUCCESS"}
    for no, row in in_bill.items():
        order = orders.find_order(db, no)
        if order is None or order["status"] not in (orders.PAID, orders.REFUND_NEEDED):
            mismatches.append({"kind": "not_recorded", "out_trade_no": no, "transaction_id": row["transaction_id"],
                               "bill_fen": row["amount_fen"], "recorded_fen": None,
                               "status": order["status"] if order else None})
        elif order["amount_fen"] != row["amount_fen"]:
            mismatches.append({"kind": "amount_differs", "out_trade_no": no, "transaction_id": row["transaction_id"],
                               "bill_fen": row["amount_fen"], "recorded_fen": order["amount_fen"],
                               "status": order["status"]})
    for order in orders.paid_orders_on(db, day.isoformat()):
        if order["out_trade_no"] not in in_bill:
            mismatches.append({"kind": "not_in_bill", "out_trade_no": order["out_trade_no"],
                               "transaction_id": order["transaction_id"], "bill_fen": None,
                               "recorded_fen": order["amount_fen"], "status": order["status"]})
    return mismatches


def reconcile(db, pay, day: date) -> dict:
    bill = parse_bill(fetch_bill(pay, day))
    mismatches = compare(db, bill, day)
    return {"date": day.isoformat(), "bill_transactions": len(bill),
            "recorded": len(orders.paid_orders_on(db, day.isoformat())), "mismatches": mismatches}
