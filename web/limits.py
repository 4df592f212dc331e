"""Limits on what one request may ask of the server.

A batch of readings is at most :data:`web.api_readings.MAX_BATCH_ROWS` rows; 50,000 uplink messages of the usual
size (about 1 kB with the gateways' metadata) make some 50 MB. Bodies beyond :data:`MAX_BODY_BYTES` are refused
before they are read: by Flask (``MAX_CONTENT_LENGTH``, 413) and by waitress (``max_request_body_size``), whose own
default is 1 GB.
"""

from __future__ import annotations

#: Largest request body accepted, in bytes.
MAX_BODY_BYTES = 64 * 1024 * 1024
