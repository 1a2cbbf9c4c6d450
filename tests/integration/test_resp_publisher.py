"""The Lambda's RESP publisher against a real Redis (the session's, tests/session_services.py)."""

from __future__ import annotations

import json
import socket
import threading
import uuid

import pytest
import redis

from cruddur.live_events.resp import RedisPublisher, encode


def _listen(redis_url, user: str) -> redis.client.PubSub:
    pubsub: redis.client.PubSub = redis.Redis.from_url(redis_url).pubsub()  # type: ignore[no-untyped-call]
    pubsub.subscribe(f"cruddur:events:{user}")
    assert pubsub.get_message(timeout=2)["type"] == "subscribe"
    return pubsub


def test_encodes_commands_as_resp_bulk_strings():
    assert encode("PUBLISH", "c", "é") == b"*3\r\n$7\r\nPUBLISH\r\n$1\r\nc\r\n$2\r\n\xc3\xa9\r\n"


def test_a_subscriber_on_redis_py_hears_every_event_from_many_threads(redis_url):
    user = str(uuid.uuid4())
    pubsub = _listen(redis_url, user)
    publisher = RedisPublisher(redis_url)
    threads = [
        threading.Thread(target=publisher.publish, args=(user, {"type": "inbox", "n": i}))
        for i in range(20)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    heard: list[int] = []
    while len(heard) < 20:
        message = pubsub.get_message(timeout=2)
        assert message is not None
        heard.append(json.loads(message["data"])["n"])
    assert sorted(heard) == list(range(20))
    publisher.close()
    pubsub.close()


def test_a_connection_closed_by_redis_is_reopened(redis_url):
    user = str(uuid.uuid4())
    pubsub = _listen(redis_url, user)
    publisher = RedisPublisher(redis_url)
    publisher.publish(user, {"n": 1})
    pubsub.close()
    killer = redis.Redis.from_url(redis_url)
    assert publisher._sock is not None
    host, port = publisher._sock.getsockname()[:2]
    killer.client_kill(f"{host}:{port}")  # only the publisher's connection
    killer.close()
    pubsub = _listen(redis_url, user)
    publisher.publish(user, {"n": 2})
    message = pubsub.get_message(timeout=2)
    assert message is not None
    assert json.loads(message["data"]) == {"n": 2}
    publisher.close()
    pubsub.close()


def test_an_unreachable_redis_is_logged_not_raised(caplog):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    RedisPublisher(f"redis://127.0.0.1:{port}", timeout=0.5).publish("u", {"n": 1})
    assert "could not publish a live event" in caplog.text


def test_a_refused_auth_is_logged_not_raised(redis_url, caplog):
    wrong = redis_url.replace("redis://", "redis://nobody:wrong@", 1)
    RedisPublisher(wrong).publish("u", {"n": 1})
    assert "could not publish a live event: RespError" in caplog.text


@pytest.mark.parametrize("url", ["http://127.0.0.1:6379", "redis://", "127.0.0.1:6379"])
def test_a_malformed_url_is_refused_at_start(url):
    with pytest.raises(ValueError, match="REDIS_URL"):
        RedisPublisher(url)
