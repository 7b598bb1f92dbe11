"""Parses the Prometheus text format on stdin with the reference parser
(prometheus_client) and prints one JSON line per metric family:
{"name", "type", "help", "samples": [{"name", "labels", "value"}]}.
Exits 1, with the parser's reason on stderr, when the text does not parse."""

import json
import sys

from prometheus_client.parser import text_string_to_metric_families


def main() -> int:
    text = sys.stdin.read()
    try:
        families = list(text_string_to_metric_families(text))
    except Exception as error:  # the parser raises ValueError and friends
        print(f"not the Prometheus text format: {error}", file=sys.stderr)
        return 1
    for family in families:
        samples = [
            {"name": s.name, "labels": s.labels, "value": s.value}
            for s in family.samples
        ]
        print(json.dumps({"name": family.name, "type": family.type,
                          "help": family.documentation, "samples": samples}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
