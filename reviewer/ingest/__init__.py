"""Ingest: turn agent proposal files, sandbox findings and HTTP pulls into NewProposal records.

Everything an agent wrote is untrusted: parsing is strict, paths stay inside
their folder, and the only exception raised on bad input is `IngestError`.
"""

from reviewer.ingest.errors import IngestError
from reviewer.ingest.files import FileResult, read_file, read_paths
from reviewer.ingest.pull import fetch_findings

__all__ = ["FileResult", "IngestError", "fetch_findings", "read_file", "read_paths"]
