"""Assertions on the TinyTrail response envelope, shared by the API tests."""


def assert_error(response, status: int, code: str, *, mentions: str | None = None) -> str:
    """The response is `{"status": "error", "error": {"code", "message"}}`; returns the message."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"status", "error"}
    assert body["status"] == "error"
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    message = body["error"]["message"]
    assert isinstance(message, str) and message
    if mentions is not None:
        assert mentions in message
    return message


def success_data(response, status: int = 200):
    """The response is `{"status": "success", "data": ...}`; returns the data."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"status", "data"}
    assert body["status"] == "success"
    return body["data"]
