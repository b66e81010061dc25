"""An independent implementation of WeChat's message-encryption spec, for tests only.

Written from the official 消息加解密 technical plan (and its WXBizMsgCrypt
samples), deliberately without wechatpy, so that a test using it checks the
bot against the platform rather than against the library the bot uses:

- signature     = sha1(''.join(sorted([token, timestamp, nonce])))
- msg_signature = sha1(''.join(sorted([token, timestamp, nonce, Encrypt])))
- AES key       = base64decode(EncodingAESKey + "="), 32 bytes; IV = key[:16]
- plaintext     = 16 random bytes + len(xml) as 4-byte big-endian + xml + appid,
                  PKCS#7-padded to a multiple of **32** bytes (WeChat's variant)
- Encrypt       = base64(AES-256-CBC(plaintext))
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import os
import struct
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK_SIZE = 32  # WeChat pads to 32 bytes, not AES's 16


class SpecViolation(ValueError):
    """What a strict receiver refuses: bad signature, padding, length or app id."""


# The WXBizMsgCrypt sample published with the official encryption demo
# (企业微信 / WeCom flavour; same algorithm as the Official Account one).
OFFICIAL_SAMPLE = {
    "token": "QDG6eK",
    "encoding_aes_key": "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
    "app_id": "wx5823bf96d3bd56c7",
    "msg_signature": "477715d11cdb4164915debcba66cb864d751f3e6",
    "timestamp": "1409659813",
    "nonce": "1372623149",
    "encrypt": (
        "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911"
        "L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLx"
        "AUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9"
        "nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9"
        "KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
    ),
    # What the sample documents the ciphertext to contain.
    "fields": {"ToUserName": "wx5823bf96d3bd56c7", "FromUserName": "mycreate", "CreateTime": "1409659813",
               "MsgType": "text", "Content": "hello", "MsgId": "4561255354251345929", "AgentID": "218"},
    # The sample's URL-verification (echostr) vector.
    "echo": {"msg_signature": "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", "timestamp": "1409659589",
             "nonce": "263014780",
             "echostr": "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="},
}


def sha1_signature(*parts: str) -> str:
    """WeChat's signature: sha1 over the lexicographically sorted, concatenated parts."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def aes_key(encoding_aes_key: str) -> bytes:
    if len(encoding_aes_key) != 43:
        raise SpecViolation("EncodingAESKey must be 43 characters")
    key = base64.b64decode(encoding_aes_key + "=")
    assert len(key) == 32
    return key


def pkcs7_pad(data: bytes, block_size: int = BLOCK_SIZE) -> bytes:
    count = block_size - len(data) % block_size  # 1..block_size, never 0
    return data + bytes([count]) * count


def pkcs7_unpad(data: bytes, block_size: int = BLOCK_SIZE) -> bytes:
    count = data[-1] if data else 0
    if not 1 <= count <= block_size or data[-count:] != bytes([count]) * count:
        raise SpecViolation("bad PKCS#7 padding")
    return data[:-count]


BAD_PADDINGS = ("zero", "over-32", "inconsistent")


def pad_badly(data: bytes, kind: str) -> bytes:
    """Whole AES blocks whose PKCS#7 padding is broken in one of BAD_PADDINGS' ways."""
    count = BLOCK_SIZE - len(data) % BLOCK_SIZE
    count += BLOCK_SIZE if count < 2 else 0
    tails = {"zero": bytes(count), "over-32": bytes([0x41]) * count,
             "inconsistent": bytes(range(1, count)) + bytes([count])}
    return data + tails[kind]


def _cipher(key: bytes) -> Cipher:
    return Cipher(algorithms.AES(key), modes.CBC(key[:16]))


def aes_encrypt_raw(key: bytes, padded: bytes) -> bytes:
    encryptor = _cipher(key).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


def aes_decrypt_raw(key: bytes, ciphertext: bytes) -> bytes:
    decryptor = _cipher(key).decryptor()
    return decryptor.update(ciphertext) + decryptor.finalize()


def frame(xml: str, app_id: str, random_prefix: bytes | None = None) -> bytes:
    """The unpadded plaintext: 16 random bytes, network-order length, xml, appid."""
    prefix = os.urandom(16) if random_prefix is None else random_prefix
    assert len(prefix) == 16
    body = xml.encode("utf-8")
    return prefix + struct.pack("!I", len(body)) + body + app_id.encode("utf-8")


def encrypt(encoding_aes_key: str, app_id: str, xml: str, random_prefix: bytes | None = None,
            padded: bytes | None = None) -> str:
    """Base64 ciphertext of one message; `padded` overrides the plaintext (to forge bad padding)."""
    key = aes_key(encoding_aes_key)
    plaintext = pkcs7_pad(frame(xml, app_id, random_prefix)) if padded is None else padded
    return base64.b64encode(aes_encrypt_raw(key, plaintext)).decode("ascii")


def decrypt(encoding_aes_key: str, app_id: str, encrypted: str) -> str:
    """The xml inside a ciphertext, checking base64, padding, length and app id strictly."""
    key = aes_key(encoding_aes_key)
    try:
        raw = base64.b64decode(encrypted, validate=True)
    except (binascii.Error, ValueError):
        raise SpecViolation("Encrypt is not base64") from None
    if not raw or len(raw) % 16:
        raise SpecViolation("ciphertext length is not a multiple of the AES block")
    plaintext = pkcs7_unpad(aes_decrypt_raw(key, raw))
    if len(plaintext) < 20:
        raise SpecViolation("plaintext too short")
    (length,) = struct.unpack("!I", plaintext[16:20])
    if 20 + length > len(plaintext):
        raise SpecViolation("declared xml length exceeds the plaintext")
    xml = plaintext[20:20 + length].decode("utf-8")
    received_app_id = plaintext[20 + length:].decode("utf-8")
    if received_app_id != app_id:
        raise SpecViolation(f"app id {received_app_id!r} is not {app_id!r}")
    return xml


@dataclass(frozen=True)
class Account:
    """One Official Account's server settings, as WeChat (and the tests) know them."""
    token: str
    encoding_aes_key: str
    app_id: str

    def signed_query(self, timestamp: int | str | None = None, nonce: str = "1357924680") -> dict:
        """The query string every GET and POST carries."""
        timestamp = str(int(time.time()) if timestamp is None else timestamp)
        return {"signature": sha1_signature(self.token, timestamp, nonce),
                "timestamp": timestamp, "nonce": nonce}

    def encrypted_request(self, xml: str, to_user: str, compatible: bool = False,
                          plain_fields: str = "", timestamp: int | None = None,
                          nonce: str = "2468013579", app_id: str | None = None,
                          encrypted: str | None = None) -> tuple[dict, bytes]:
        """Query and body of a safe-mode (or compatible-mode) POST, the way WeChat sends it."""
        query = self.signed_query(timestamp, nonce)
        encrypted = encrypt(self.encoding_aes_key, app_id or self.app_id, xml) if encrypted is None else encrypted
        query.update(encrypt_type="aes",
                     msg_signature=sha1_signature(self.token, query["timestamp"], nonce, encrypted))
        extra = plain_fields if compatible else ""
        body = (f"<xml><ToUserName><![CDATA[{to_user}]]></ToUserName>{extra}"
                f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>")
        return query, body.encode("utf-8")

    def open_reply(self, body: str, timestamp: str, nonce: str) -> str:
        """Check a safe-mode reply envelope like WeChat would, and return the reply's xml."""
        root = ET.fromstring(body)
        if root.tag != "xml":
            raise SpecViolation("reply root is not <xml>")
        fields = {child.tag: (child.text or "") for child in root}
        missing = {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"} - fields.keys()
        if missing:
            raise SpecViolation(f"reply lacks {sorted(missing)}")
        if fields["TimeStamp"] != timestamp or fields["Nonce"] != nonce:
            raise SpecViolation("reply TimeStamp/Nonce do not echo the request")
        expected = sha1_signature(self.token, fields["TimeStamp"], fields["Nonce"], fields["Encrypt"])
        if fields["MsgSignature"] != expected:
            raise SpecViolation("reply MsgSignature is wrong")
        return decrypt(self.encoding_aes_key, self.app_id, fields["Encrypt"])
