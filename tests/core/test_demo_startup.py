"""The embedded demo starts without repeating work (issue 8, item 8: the demo is populated fast)."""

from __future__ import annotations

import textwrap

from fresh_python import run_python


def test_botocore_endpoints_are_parsed_once_for_moto_and_the_demo_clients() -> None:
    # endpoints.json is 1.2 MB parsed into OrderedDicts: tens of milliseconds each time. moto parses
    # it to list regions; the demo's own clients must reuse that parse, not make their own.
    script = textwrap.dedent(
        """
        import botocore.loaders

        loads = []
        original = botocore.loaders.JSONFileLoader.load_file

        def load_file(self, path):
            loads.append(path)
            return original(self, path)

        botocore.loaders.JSONFileLoader.load_file = load_file
        from core.demo import start_demo

        repository = start_demo()
        assert repository.list_artifact_names()
        assert repository.list_versions_and_aliases("churn-model")[0]
        print(sum(1 for path in loads if path.endswith("/endpoints")))
        """
    )
    result = run_python(script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "1"
