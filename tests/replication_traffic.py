"""Members' writes as fast as one process makes them, each printed once it is acknowledged.

`python tests/replication_traffic.py STORE WRITER_NO` loops: an application (SQ…) is filed,
approved (a member number), the member pays (a receipt SJ…) and writes in (a ticket FK…),
through the same storage functions the chat and the secretariat's commands use. After each
commit it prints one JSON line {"kind", "number", "openid", "at"}: the moment the number
would be shown to the member. Used by tests/test_replication.py and bench/bench_replication.py,
which kill it with SIGKILL mid-stream.
"""
from __future__ import annotations

import json
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage.database import open_database  # noqa: E402
from handlers.members.records import approve_application  # noqa: E402
from storage.members import create_application  # noqa: E402
from handlers.fees.payments import record_payment  # noqa: E402
from storage.fees import find_payer  # noqa: E402
from storage.tickets import create_ticket  # noqa: E402


def ack(kind: str, number: str, openid: str) -> None:
    sys.stdout.write(json.dumps({"kind": kind, "number": number, "openid": openid, "at": time.time()}) + "\n")
    sys.stdout.flush()


def main(store: str, writer: int, pause: float = 0.0) -> None:
    db = open_database(store)
    today = date.today()
    for i in range(1_000_000):
        openid = f"o_w{writer}_{i}"
        application = create_application(db, openid, "individual", {
            "name": f"会员{writer}号{i}", "category": "regular", "mobile": f"13{writer:01d}{i:08d}"[:11],
            "work_unit": "省农科院"})
        ack("application", application["app_no"], openid)
        member = approve_application(db, application["app_no"], "traffic", today)["member"]
        ack("member", member["member_no"], openid)
        payment = record_payment(db, find_payer(db, member["member_no"]), 100, 1, today, "银行转账", "traffic")
        ack("payment", payment["receipt_no"], openid)
        ack("ticket", create_ticket(db, openid, "建议", "希望多办讲座"), openid)
        if pause:
            time.sleep(pause)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]) if len(sys.argv) > 3 else 0.0)
