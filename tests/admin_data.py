"""A society to run the web console against: two unit members, console users, applicants, a council."""
from __future__ import annotations

from datetime import date, timedelta

from bot.admin import accounts
from storage.members import insert_member, insert_unit
from storage.sqlite import transaction

PASSWORD = "correct-horse-1"


def individual(**changes) -> dict:
    """What a member's application holds."""
    data = {"name": "张伟", "category": "regular", "birth_year": 1985, "work_unit": "郑州大学",
            "institution_type": "高等院校", "post_category": "科研", "discipline": "计算机科学",
            "mobile": "13800138000"}
    return dict(data, **changes)


def add_units(db) -> tuple[dict, dict]:
    with transaction(db):
        return (insert_unit(db, {"unit_no": "HNKXDW202600001", "name": "郑州示范大学",
                                 "credit_code": "12410000MB0000001X"}, actor="test"),
                insert_unit(db, {"unit_no": "HNKXDW202600002", "name": "中原示范研究院",
                                 "credit_code": "12410000MB0000002X"}, actor="test"))


def add_users(db, config, unit: dict) -> dict[str, dict]:
    """admin1, staff1 and unit1 (a contact of `unit`), all with PASSWORD."""
    return {role: accounts.create_user(db, config, name, PASSWORD, role, unit_no, actor="test")
            for role, name, unit_no in (("admin", "admin1", None), ("staff", "staff1", None),
                                        ("unit", "unit1", unit["unit_no"]))}


def add_council(db) -> None:
    """45 councillors: a president group of 5 and a standing council of 15 with no one from 党政机关."""
    types = ["高等院校", "科研院所", "企业或技术推广部门"]
    places = {"高等院校": "郑州大学", "科研院所": "河南省科学院", "企业或技术推广部门": "中原示范科技有限公司",
              "党政机关": "河南省科学技术厅"}
    roles = ["理事长"] + ["副理事长"] * 4 + ["常务理事"] * 10 + ["理事"] * 30
    with transaction(db):
        for i, role in enumerate(roles):
            kind = "党政机关" if i >= 15 and i % 5 == 0 else types[i % 3]
            insert_member(db, {"member_no": f"C{i:05d}", "name": f"理事{i}", "category": "senior",
                               "mobile": f"139{i:08d}", "council_role": role, "birth_year": 1960 + i % 40,
                               "post_category": ["管理", "科研", "应用"][i % 3],
                               "discipline": ["计算机科学", "化学", "材料科学", "农学"][i % 4],
                               "institution_type": kind, "work_unit": places[kind],
                               "joined_at": (date.today() - timedelta(days=9 * i)).isoformat()},
                          actor="test")
