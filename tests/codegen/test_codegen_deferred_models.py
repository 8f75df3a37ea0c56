"""An operation's module is imported when its handle is first read, and its models build at first use."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from codegen_helpers import make_project, run_opsgen

# Imports the registry of the example specs, records which generated models are built,
# then runs one operation and records the same again.
SCRIPT = textwrap.dedent(
    """
    import inspect, json, sys
    from pydantic import BaseModel
    from opsgen.runtime.runtime import configure
    from app.generated import ops

    def built_models():
        found = {}
        for name, module in sorted(sys.modules.items()):
            if not name.startswith("app.generated"):
                continue
            for attribute, value in vars(module).items():
                if inspect.isclass(value) and issubclass(value, BaseModel) and value.__module__ == name:
                    found[f"{name}.{attribute}"] = bool(value.__pydantic_complete__)
        return found

    after_import = built_models()
    configure(database_url=sys.argv[1])
    invalid = ops.accounts.register_user(None, email="not an address", password="pw", display_name="x")
    after_call = built_models()
    print(json.dumps({
        "after_import": after_import,
        "after_call": after_call,
        "invalid": [invalid.ok, getattr(invalid, "code", None)],
    }))
    """
)


def test_models_build_at_first_use(tmp_path: Path, sqlite_url: str) -> None:
    root = make_project(tmp_path / "project")
    assert run_opsgen(root, "generate").returncode == 0

    process = subprocess.run(
        [sys.executable, "-c", SCRIPT, sqlite_url], cwd=root, capture_output=True, text=True, timeout=120
    )

    assert process.returncode == 0, process.stderr
    result = json.loads(process.stdout.strip().splitlines()[-1])
    after_import = result["after_import"]
    after_call = result["after_call"]
    input_model = "app.generated.accounts.register_user.RegisterUserInput"
    other_input = "app.generated.billing.credit_account.CreditAccountInput"
    # Importing the registry imports no operation module, so it defines no model.
    assert not any(name.startswith("app.generated.accounts.") for name in after_import)
    assert other_input not in after_import
    # The call read one handle, whose module came with its models; it validated its
    # input, so that model is built, with its constraints intact. The others wait.
    assert result["invalid"] == [False, "invalid_input"]
    assert after_call[input_model] is True
    assert other_input not in after_call
    assert [name for name, built in after_call.items() if built and "register_user" not in name] == []


# Builds a problem mapper from the registry, as the web integrations do at start-up.
MAPPER_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from app.generated import ops
    from opsgen.integrations.problem import ProblemMapper

    mapper = ProblemMapper(ops)
    print(json.dumps({
        "imported": sorted(name for name in sys.modules if name.startswith("app.generated.billing.")),
        "statuses": {code: mapper.status(code) for code in ("email_taken", "same_plan", "not_declared")},
        "title": mapper.titles.get("email_taken"),
    }))
    """
)


def test_problem_mapper_reads_declared_errors_without_operation_modules(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    assert run_opsgen(root, "generate").returncode == 0

    process = subprocess.run(
        [sys.executable, "-c", MAPPER_SCRIPT], cwd=root, capture_output=True, text=True, timeout=120
    )

    assert process.returncode == 0, process.stderr
    result = json.loads(process.stdout.strip().splitlines()[-1])
    assert result["imported"] == []
    assert result["statuses"] == {"email_taken": 409, "same_plan": 422, "not_declared": 500}
    assert result["title"] == "A user with this email address already exists."
