import tempfile
from collections import Counter
import schemathesis
from hypothesis import HealthCheck, settings
from router.api.app import create_app
from router.api.openapi import strict_openapi
from router.settings import Settings

KEY = "contract-test-key"
app = create_app(Settings(db=tempfile.mktemp(suffix=".db"), rate_limit=0, api_keys=(KEY,)))
strict_openapi(app)
schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)
CALLS = Counter()

@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_api(case):
    CALLS[case.operation.label] += 1
    case.call_and_validate(headers={"Authorization": f"Bearer {KEY}"})

def test_zz():
    print(sum(CALLS.values()), CALLS)
