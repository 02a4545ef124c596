"""The API checked against its own OpenAPI document by schemathesis, anonymously and with a viewer's token: no server
error, and every status code, content type, header and body as the document says. A bounded number of examples per
operation keeps the run short (about 20 s)."""
import pytest
from hypothesis import HealthCheck, Phase, given, settings

import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_headers_conformance,
                                               response_schema_conformance, status_code_conformance)
from tests.api.conftest import api_world, bearer  # noqa: F401

EXAMPLES = 10  # per operation and reader
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


def _run(operation, headers: dict) -> None:
    """Generate and send `EXAMPLES` cases of one operation, validating each answer."""
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def check(case):
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        seen.add(response.status_code)

    seen: set[int] = set()

    check()
    assert seen & {200, 400, 401, 403, 404}, f"{operation.label}: {seen}"


@pytest.mark.parametrize("reader", ["anonymous", "viewer"])
def test_every_operation_answers_as_its_openapi_document_says(api_world, reader):
    app = api_world["app"]
    app.config["SIP_API_RATE_PER_MINUTE"] = 100_000  # every example answered, not refused by the limit
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    # identity: the WSGI transport hands schemathesis the body as the app sends it, and the app gzips for those who ask
    headers = {"Accept-Encoding": "identity",
               **(bearer(api_world["tokens"]["viewer"]) if reader == "viewer" else {})}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 14
    for operation in operations:
        _run(operation, headers)
