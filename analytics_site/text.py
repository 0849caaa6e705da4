"""What text a column can hold: shared by collect's checks and the websites' settings.

PostgreSQL refuses NUL in text, and UTF-8 cannot encode a lone surrogate (JSON escapes can
smuggle one into a Python string); no C0 control or DEL belongs in a path, a name or a pattern.
"""

import re

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
LONE_SURROGATES = re.compile(r"[\ud800-\udfff]")
# Both in one scan: a request's strings are checked on collect's hot path.
UNSTORABLE_CHARACTERS = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
