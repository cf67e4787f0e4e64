"""Read an upload's multipart body as a stream: the file part goes to disk chunk by chunk while
it is hashed and counted, so a file above the guard limit (submission/guards.py) is refused as soon as
the count passes it, never read whole, and never held in memory.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from python_multipart.multipart import MultipartParser, parse_options_header

MAX_FIELDS = 8
MAX_FIELD_BYTES = 1024
MAX_HEADER_BYTES = 4096


class UploadRefused(ValueError):
    """The request cannot be taken; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def boundary_of(content_type: str | None) -> bytes:
    ctype, params = parse_options_header(content_type or "")
    boundary = params.get(b"boundary")
    if ctype != b"multipart/form-data" or not boundary or len(boundary) > 200:
        raise UploadRefused("请以 multipart/form-data 上传,文件字段名为 file", 415)
    return boundary


class MultipartReceiver:
    """Feed it the body's chunks; afterwards `fields`, `filename`, `path`, `sha256`, `size`."""

    def __init__(self, boundary: bytes, temp_dir: Path, limit: int, file_field: str = "file"):
        self.fields: dict[str, str] = {}
        self.filename: str | None = None
        self.path: Path | None = None
        self.size = 0
        self._limit = limit
        self._file_field = file_field
        self._temp_dir = Path(temp_dir)
        self._digest = hashlib.sha256()
        self._fh = None
        self._headers: dict[str, str] = {}
        self._header_name = b""
        self._header_value = b""
        self._header_bytes = 0
        self._name: str | None = None
        self._value = bytearray()
        self._is_file = False
        self._parser = MultipartParser(boundary, {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value_cb,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        })

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()

    def feed(self, chunk: bytes) -> None:
        self._parser.write(chunk)

    def finish(self) -> None:
        self._parser.finalize()
        if self._fh is not None:
            raise UploadRefused("上传不完整(文件部分未结束),请重新上传")
        if self.path is None:
            raise UploadRefused("请求中没有文件(字段名应为 file)")
        with open(self.path, "rb+") as fh:
            os.fsync(fh.fileno())

    def discard(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        if self.path is not None:
            self.path.unlink(missing_ok=True)
            self.path = None

    # --- parser callbacks ---------------------------------------------------------------------
    def _part_begin(self) -> None:
        self._headers, self._name, self._is_file = {}, None, False
        self._value = bytearray()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._count_header(end - start)
        self._header_name += data[start:end]

    def _header_value_cb(self, data: bytes, start: int, end: int) -> None:
        self._count_header(end - start)
        self._header_value += data[start:end]

    def _count_header(self, n: int) -> None:
        self._header_bytes += n
        if self._header_bytes > MAX_HEADER_BYTES * MAX_FIELDS:
            raise UploadRefused("表单头部过长")

    def _header_end(self) -> None:
        self._headers[self._header_name.decode("latin-1").lower()] = self._header_value.decode("utf-8", "replace")
        self._header_name, self._header_value = b"", b""

    def _headers_finished(self) -> None:
        _, params = parse_options_header(self._headers.get("content-disposition", "").encode("utf-8", "replace"))
        name = params.get(b"name", b"").decode("utf-8", "replace")
        filename = params.get(b"filename")
        self._name = name
        if name == self._file_field and filename is not None:
            if self.path is not None:
                raise UploadRefused("一次只能上传一个文件")
            self.filename = filename.decode("utf-8", "replace")
            self._temp_dir.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self._temp_dir, prefix=".portal-", suffix=".part")
            self.path = Path(tmp)
            self._fh = os.fdopen(fd, "wb")
            self._is_file = True
        elif filename is not None:
            raise UploadRefused(f"未知的文件字段 {name[:40]}(应为 file)")
        elif len(self.fields) >= MAX_FIELDS:
            raise UploadRefused("表单字段过多")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        piece = data[start:end]
        if self._is_file:
            self.size += len(piece)
            if self.size > self._limit:
                raise UploadRefused(f"文件超过上限 {self._limit / 1048576:.0f} MB,未予接收", 413)
            self._digest.update(piece)
            self._fh.write(piece)
        else:
            self._value += piece
            if len(self._value) > MAX_FIELD_BYTES:
                raise UploadRefused("表单字段过长")

    def _part_end(self) -> None:
        if self._is_file:
            self._fh.close()
            self._fh = None
        elif self._name:
            self.fields[self._name] = self._value.decode("utf-8", "replace")
        self._is_file = False
