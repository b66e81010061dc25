"""What members type on phones and what rosters contain: accepted, normalised or named as wrong."""
from datetime import date

import pytest

from bot import content
from bot.validation import (Invalid, age_band, clean_birth_year, clean_choice, clean_credit_code,
                            clean_email, clean_mobile, clean_name, credit_code_check_char)

TODAY = date(2026, 11, 27)


@pytest.mark.parametrize("typed,expected", [
    ("13812345678", "13812345678"),
    ("138 1234 5678", "13812345678"),
    ("138-1234-5678", "13812345678"),
    ("+86 13812345678", "13812345678"),
    ("１３８１２３４５６７８", "13812345678"),  # full-width digits from a Chinese keyboard
])
def test_mobile_numbers_as_people_type_them(typed, expected):
    assert clean_mobile(typed) == expected


@pytest.mark.parametrize("typed", ["1381234567", "23812345678", "12812345678", "手机", "138123456789"])
def test_bad_mobile_numbers_are_named(typed):
    with pytest.raises(Invalid) as error:
        clean_mobile(typed)
    assert error.value.reason == "mobile"
    assert "11 位" in content.text(f"validation.{error.value.reason}")


def test_credit_code_checksum():
    valid = "91110000" + "600037341" + "L"  # structure of a real code
    first17 = valid[:17]
    code = first17 + credit_code_check_char(first17)
    assert clean_credit_code(code.lower()) == code
    wrong = first17 + ("0" if code[-1] != "0" else "1")
    with pytest.raises(Invalid):
        clean_credit_code(wrong)
    with pytest.raises(Invalid):
        clean_credit_code(code[:17])


def test_known_credit_code_validates():
    # Published code of a well-known company (checksum is public information).
    assert clean_credit_code("91350100M000100Y43") == "91350100M000100Y43"


def test_names_emails_years_and_choices():
    assert clean_name(" 张  三 ") == "张三"  # spaces inside a Chinese name are not part of it
    assert clean_name("Zhang  San") == "Zhang San"
    assert clean_name("欧阳·娜娜") == "欧阳·娜娜"
    with pytest.raises(Invalid):
        clean_name("1")
    assert clean_email(" Li.Ming@Example.COM ") == "li.ming@example.com"
    with pytest.raises(Invalid):
        clean_email("li.ming@")
    assert clean_birth_year("1985年", TODAY) == 1985
    with pytest.raises(Invalid):
        clean_birth_year("2020", TODAY)
    choices = ["高等院校", "科研院所", "企业或技术推广部门", "党政机关", "其他"]
    assert clean_choice("２", choices, "institution_type") == "科研院所"
    assert clean_choice("企业", choices, "institution_type") == "企业或技术推广部门"
    with pytest.raises(Invalid):
        clean_choice("9", choices, "institution_type")


@pytest.mark.parametrize("birth_year,band", [(1990, "<40"), (1987, "<40"), (1986, "40-49"),
                                             (1977, "40-49"), (1976, "50-59"), (1966, ">=60")])
def test_age_bands_follow_the_governance_rule(birth_year, band):
    assert age_band(birth_year, TODAY) == band
