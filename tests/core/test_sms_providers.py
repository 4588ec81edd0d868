"""Kavenegar and Ghasedak behind the batch interface, each against a fake of its HTTP API
that checks what we send and answers as the real one does (decision 034)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from core.sms.base import (
    FINAL_STATUSES,
    DeliveryStatus,
    OutgoingSms,
    PermanentSmsError,
    SendResult,
    SmsAccountError,
    StatusReport,
    TransientSmsError,
)
from core.sms.ghasedak import GhasedakBackend
from core.sms.kavenegar import KavenegarBackend
from tests.sms_fake_server import Answer, Request, fake_provider

KEY = "secret-key-42"


def _sms(local_id: str, to: str = "09121234567", body: str = "سلام", line: str = "service"):
    return OutgoingSms(local_id=local_id, to=to, body=body, line=line)


def test_the_interface_names_and_final_statuses():
    assert [s.value for s in DeliveryStatus] == [
        "queued",
        "sent",
        "delivered",
        "undelivered",
        "blacklisted",
        "failed",
    ]
    assert {"delivered", "undelivered", "blacklisted", "failed"} == FINAL_STATUSES


# --- Kavenegar -------------------------------------------------------------------------


@pytest.fixture
def kavenegar(settings):
    with fake_provider() as server:
        settings.KAVENEGAR_API_KEY = KEY
        settings.KAVENEGAR_BASE_URL = f"{server.url}/v1"
        settings.KAVENEGAR_SERVICE_LINE = "10004346"
        settings.KAVENEGAR_PROMOTIONAL_LINE = "50004346"
        settings.SMS_READ_TIMEOUT_SECONDS = 0.5
        yield server


def _kavenegar_ok(entries):
    return {"return": {"status": 200, "message": "تایید شد"}, "entries": entries}


def _kavenegar_sendarray(request: Request) -> Answer:
    """sendarray as Kavenegar answers it: one entry per receptor, in order."""
    receptors = json.loads(request.form["receptor"])
    assert len(receptors) <= 200
    local_ids = json.loads(request.form["localmessageids"])
    return Answer(
        _kavenegar_ok(
            [
                {"messageid": 9_000_000 + int(local_id), "status": 1, "receptor": receptor}
                for receptor, local_id in zip(receptors, local_ids, strict=True)
            ]
        )
    )


def test_kavenegar_sends_a_batch_through_sendarray_with_local_ids(kavenegar):
    kavenegar.respond_with(_kavenegar_sendarray)
    messages = [
        _sms("1", "09121110001", "کد ۱", "service"),
        _sms("2", "09121110002", "تخفیف, امروز", "promotional"),
        _sms("3", "09121110003", "یادآوری", "service"),
    ]
    results = KavenegarBackend().send_batch(messages)
    assert results == [
        SendResult("1", "sent", "9000001"),
        SendResult("2", "sent", "9000002"),
        SendResult("3", "sent", "9000003"),
    ]
    (request,) = kavenegar.requests
    assert request.path == f"/v1/{KEY}/sms/sendarray.json"
    assert json.loads(request.form["receptor"]) == ["09121110001", "09121110002", "09121110003"]
    assert json.loads(request.form["sender"]) == ["10004346", "50004346", "10004346"]
    assert json.loads(request.form["message"]) == ["کد ۱", "تخفیف, امروز", "یادآوری"]
    assert json.loads(request.form["localmessageids"]) == ["1", "2", "3"]


def test_kavenegar_takes_its_documented_batch_and_no_more(kavenegar):
    backend = KavenegarBackend()
    assert backend.max_batch == 200
    kavenegar.respond_with(_kavenegar_sendarray)
    results = backend.send_batch([_sms(str(i), f"0912{i:07d}") for i in range(200)])
    assert len(results) == 200 and {r.status for r in results} == {"sent"}
    with pytest.raises(ValueError):
        backend.send_batch([_sms(str(i)) for i in range(201)])
    assert len(kavenegar.requests) == 1


def test_kavenegar_retry_carries_the_same_local_ids(kavenegar):
    """A call repeated after a lost answer names the same messages: Kavenegar sends none twice."""
    kavenegar.answer(raw="", status=200, delay=2)
    kavenegar.respond_with(_kavenegar_sendarray)
    messages = [_sms("7"), _sms("8", "09351234567")]
    with pytest.raises(TransientSmsError):
        KavenegarBackend().send_batch(messages)
    assert [r.provider_message_id for r in KavenegarBackend().send_batch(messages)] == [
        "9000007",
        "9000008",
    ]
    assert [json.loads(r.form["localmessageids"]) for r in kavenegar.requests] == [["7", "8"]] * 2


def test_kavenegar_per_message_refusals_in_a_batch(kavenegar):
    """411 (invalid receptor) for a batch does not say which number: each is sent alone."""
    kavenegar.answer({"return": {"status": 411, "message": "گیرنده نامعتبر است"}, "entries": None})
    kavenegar.answer(_kavenegar_ok([{"messageid": 11, "status": 5}]))
    kavenegar.answer({"return": {"status": 411, "message": "گیرنده نامعتبر است"}, "entries": None})
    kavenegar.answer(_kavenegar_ok([{"messageid": 13, "status": 14, "statustext": "مسدود"}]))
    results = KavenegarBackend().send_batch(
        [_sms("1"), _sms("2", "0912"), _sms("3", line="promotional")]
    )
    assert [(r.local_id, r.status, r.provider_message_id) for r in results] == [
        ("1", "sent", "11"),
        ("2", "failed", ""),
        ("3", "blacklisted", "13"),
    ]
    assert "411" in results[1].error
    assert [len(json.loads(r.form["receptor"])) for r in kavenegar.requests] == [3, 1, 1, 1]


def test_kavenegar_account_refusal_is_an_account_error(kavenegar):
    """No credit: nothing was sent; the batch waits (a transient error) for someone to act."""
    kavenegar.answer({"return": {"status": 418, "message": "اعتبار کافی نیست"}, "entries": None})
    with pytest.raises(SmsAccountError) as raised:
        KavenegarBackend().send_batch([_sms("1")])
    assert isinstance(raised.value, TransientSmsError)
    assert "418" in str(raised.value) and KEY not in str(raised.value)
    kavenegar.answer({"return": {"status": 403, "message": "کلید نامعتبر"}, "entries": None})
    with pytest.raises(SmsAccountError):
        KavenegarBackend().statuses(["1"])
    kavenegar.answer({"return": {"status": 418, "message": "اعتبار کافی نیست"}, "entries": None})
    with pytest.raises(PermanentSmsError):  # decision 004's single send: refused for good
        KavenegarBackend().send(to="09121234567", body="x", local_id="1")


@pytest.mark.parametrize(
    "answer",
    [
        Answer({"return": {"status": 409, "message": "بعدا تلاش کنید"}, "entries": None}),
        Answer(raw="<html>502 Bad Gateway</html>", status=502),
        Answer({"return": {"status": 200, "message": "تایید شد"}, "entries": "oops"}),
        Answer({"unexpected": True}),
        Answer(_kavenegar_ok([]), delay=2),
    ],
    ids=["409", "bad-gateway", "malformed-entries", "malformed", "timeout"],
)
def test_kavenegar_outages_are_transient_and_never_show_the_key(kavenegar, answer):
    kavenegar.answers.append(answer)
    with pytest.raises(TransientSmsError) as raised:
        KavenegarBackend().send_batch([_sms("1")])
    assert KEY not in str(raised.value)


def test_kavenegar_connection_refused_is_transient_without_the_key(settings):
    settings.KAVENEGAR_API_KEY = KEY
    settings.KAVENEGAR_BASE_URL = "http://127.0.0.1:9/v1"
    with pytest.raises(TransientSmsError) as raised:
        KavenegarBackend().send_batch([_sms("1")])
    assert KEY not in str(raised.value)


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (1, "queued"),
        (2, "queued"),
        (4, "sent"),
        (5, "sent"),
        (6, "failed"),
        (10, "delivered"),
        (11, "undelivered"),
        (13, "failed"),
        (14, "blacklisted"),
        (100, "failed"),
    ],
)
def test_kavenegar_status_codes(kavenegar, code, status):
    kavenegar.answer(_kavenegar_ok([{"messageid": 55, "status": code, "statustext": "x"}]))
    assert KavenegarBackend().statuses(["55"]) == [StatusReport("55", status)]
    (request,) = kavenegar.requests
    assert request.path == f"/v1/{KEY}/sms/status.json"
    assert request.form == {"messageid": "55"}


def test_kavenegar_statuses_ask_500_ids_per_call(kavenegar):
    def answer(request: Request) -> Answer:
        ids = request.form["messageid"].split(",")
        assert len(ids) <= 500
        return Answer(_kavenegar_ok([{"messageid": int(i), "status": 10} for i in ids]))

    kavenegar.respond_with(answer)
    reports = KavenegarBackend().statuses([str(i) for i in range(1, 702)])
    assert len(reports) == 701 and {r.status for r in reports} == {"delivered"}
    assert [len(r.form["messageid"].split(",")) for r in kavenegar.requests] == [500, 201]


def test_kavenegar_inbound_reads_each_line_unread(kavenegar):
    kavenegar.answer(
        _kavenegar_ok(
            [
                {
                    "messageid": 777,
                    "message": "لغو ۱۱",
                    "sender": "09121234567",
                    "receptor": "10004346",
                    "date": 1_767_000_000,
                }
            ]
        )
    )
    kavenegar.answer(_kavenegar_ok([]))
    (received,) = KavenegarBackend().inbound()
    assert (received.provider_id, received.sender, received.line_number, received.body) == (
        "777",
        "09121234567",
        "10004346",
        "لغو ۱۱",
    )
    assert received.received_at == dt.datetime.fromtimestamp(1_767_000_000, tz=dt.UTC)
    assert [(r.path, r.form) for r in kavenegar.requests] == [
        (f"/v1/{KEY}/sms/receive.json", {"linenumber": "10004346", "isread": "0"}),
        (f"/v1/{KEY}/sms/receive.json", {"linenumber": "50004346", "isread": "0"}),
    ]


def test_kavenegar_sender_for_each_line(kavenegar):
    backend = KavenegarBackend()
    assert (backend.sender_for("service"), backend.sender_for("promotional")) == (
        "10004346",
        "50004346",
    )


# --- Ghasedak --------------------------------------------------------------------------


@pytest.fixture
def ghasedak(settings):
    with fake_provider() as server:
        settings.GHASEDAK_API_KEY = KEY
        settings.GHASEDAK_BASE_URL = f"{server.url}/v2"
        settings.GHASEDAK_SERVICE_LINE = "30005088"
        settings.GHASEDAK_PROMOTIONAL_LINE = "50005088"
        settings.SMS_READ_TIMEOUT_SECONDS = 0.5
        yield server


def _ghasedak_ok(items):
    return {"result": {"code": 200, "message": "success"}, "items": items}


def _ghasedak_send(request: Request) -> Answer:
    receptors = request.form["receptor"].split(",")
    checkids = request.form["checkid"].split(",")
    assert len(receptors) == len(checkids) <= 100
    assert request.headers["apikey"] == KEY
    return Answer(_ghasedak_ok([7_000_000 + int(c) for c in checkids]))


def test_ghasedak_sends_a_batch_as_pairs_with_checkids(ghasedak):
    ghasedak.respond_with(_ghasedak_send)
    results = GhasedakBackend().send_batch(
        [_sms("1", "09121110001", "کد ۱"), _sms("2", "09121110002", "یادآوری")]
    )
    assert results == [SendResult("1", "sent", "7000001"), SendResult("2", "sent", "7000002")]
    (request,) = ghasedak.requests
    assert request.path == "/v2/sms/send/pair"
    assert KEY not in request.path
    assert request.form == {
        "receptor": "09121110001,09121110002",
        "linenumber": "30005088",
        "message": "کد ۱,یادآوری",
        "checkid": "1,2",
    }


def test_ghasedak_texts_with_commas_or_two_lines_go_in_bulk_per_text(ghasedak):
    ghasedak.respond_with(_ghasedak_send)
    messages = [
        _sms("1", "09121110001", "تخفیف, امروز", "promotional"),
        _sms("2", "09121110002", "کد ۲", "service"),
        _sms("3", "09121110003", "تخفیف, امروز", "promotional"),
    ]
    results = GhasedakBackend().send_batch(messages)
    assert [(r.local_id, r.provider_message_id) for r in results] == [
        ("1", "7000001"),
        ("2", "7000002"),
        ("3", "7000003"),
    ]
    assert [(r.path, r.form) for r in ghasedak.requests] == [
        (
            "/v2/sms/send/bulk",
            {
                "receptor": "09121110001,09121110003",
                "linenumber": "50005088",
                "message": "تخفیف, امروز",
                "checkid": "1,3",
            },
        ),
        (
            "/v2/sms/send/bulk",
            {
                "receptor": "09121110002",
                "linenumber": "30005088",
                "message": "کد ۲",
                "checkid": "2",
            },
        ),
    ]


def test_ghasedak_takes_100_per_call(ghasedak):
    backend = GhasedakBackend()
    assert backend.max_batch == 100
    ghasedak.respond_with(_ghasedak_send)
    assert len(backend.send_batch([_sms(str(i), f"0912{i:07d}") for i in range(100)])) == 100
    with pytest.raises(ValueError):
        backend.send_batch([_sms(str(i)) for i in range(101)])


def test_ghasedak_per_message_refusal_in_a_batch(ghasedak):
    ghasedak.answer({"result": {"code": 411, "message": "invalid receptor"}, "items": None})
    ghasedak.answer(_ghasedak_ok([71]))
    ghasedak.answer({"result": {"code": 411, "message": "invalid receptor"}, "items": None})
    results = GhasedakBackend().send_batch([_sms("1"), _sms("2", "0912")])
    assert [(r.status, r.provider_message_id) for r in results] == [("sent", "71"), ("failed", "")]
    assert [r.form["checkid"] for r in ghasedak.requests] == ["1,2", "1", "2"]


def test_ghasedak_account_refusal_is_an_account_error(ghasedak):
    ghasedak.answer({"result": {"code": 418, "message": "not enough credit"}, "items": None})
    with pytest.raises(SmsAccountError):
        GhasedakBackend().send_batch([_sms("1")])
    ghasedak.answer({"result": {"code": 401, "message": "unauthorized"}, "items": None})
    with pytest.raises(SmsAccountError):
        GhasedakBackend().inbound()
    ghasedak.answer({"result": {"code": 418, "message": "not enough credit"}, "items": None})
    with pytest.raises(PermanentSmsError):
        GhasedakBackend().send(to="09121234567", body="x", local_id="1")


@pytest.mark.parametrize(
    "answer",
    [
        Answer({"result": {"code": 500, "message": "error"}, "items": None}),
        Answer(raw="<html>Service Unavailable</html>", status=503),
        Answer(raw="not json", status=200),
        Answer(_ghasedak_ok([1, 2, 3])),  # not one id per message
        Answer(_ghasedak_ok([1]), delay=2),
    ],
    ids=["500", "unavailable", "malformed", "wrong-count", "timeout"],
)
def test_ghasedak_outages_are_transient(ghasedak, answer):
    ghasedak.answers.append(answer)
    with pytest.raises(TransientSmsError) as raised:
        GhasedakBackend().send_batch([_sms("1")])
    assert KEY not in str(raised.value)


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (0, "queued"),
        (1, "delivered"),
        (2, "undelivered"),
        (3, "sent"),
        (4, "failed"),
        (5, "blacklisted"),
    ],
)
def test_ghasedak_status_codes(ghasedak, code, status):
    ghasedak.answer(_ghasedak_ok([{"id": 71, "status": code}, {"id": 72, "status": 6}]))
    assert GhasedakBackend().statuses(["71", "72"]) == [StatusReport("71", status)]
    (request,) = ghasedak.requests
    assert (request.path, request.form) == ("/v2/sms/status", {"id": "71,72", "type": "1"})


def test_ghasedak_inbound_reads_each_line_unread(ghasedak):
    ghasedak.answer(
        _ghasedak_ok(
            [
                {
                    "messageid": 88,
                    "sender": "09351234567",
                    "linenumber": "30005088",
                    "message": "لغو",
                    "date": 1_767_000_000,
                }
            ]
        )
    )
    ghasedak.answer(_ghasedak_ok([]))
    (received,) = GhasedakBackend().inbound()
    assert (received.provider_id, received.sender, received.line_number, received.body) == (
        "88",
        "09351234567",
        "30005088",
        "لغو",
    )
    assert received.received_at.tzinfo is not None
    assert [(r.path, r.form) for r in ghasedak.requests] == [
        ("/v2/sms/receive/last", {"linenumber": "30005088", "isread": "0"}),
        ("/v2/sms/receive/last", {"linenumber": "50005088", "isread": "0"}),
    ]


def test_ghasedak_single_send_uses_the_service_line(ghasedak):
    ghasedak.respond_with(_ghasedak_send)
    assert GhasedakBackend().send(to="09121234567", body="x", local_id="5").provider_message_id == (
        "7000005"
    )
