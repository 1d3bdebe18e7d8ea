"""File downloads, for both clients: URL, credentials, checks, atomic files, streaming.

Everything decided about a download is in :class:`DownloadPlan`: which URL,
which header carries the credential, what each HTTP status means, and the
temporary-file-then-rename discipline that leaves no half file behind. The
HTTP streaming is here too, once blocking (:func:`stream_to_file`,
``httpx.Client``) and once async (:func:`astream_to_file`,
``httpx.AsyncClient``); httpx (and anyio) are imported only when a download
runs, so the clients import without them loaded.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import secrets
import ssl
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final
from urllib.parse import quote

import attrs

from ._boundary import discard_awaitable, not_sync
from ._tls import ssl_context_for
from .errors import (
    AuthenticationError,
    CameraServiceError,
    ConnectionError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)

if TYPE_CHECKING:
    from ._base import ClientBase

__all__ = ["DownloadPlan", "astream_to_file", "stream_to_file"]

CHUNK_SIZE: Final = 64 * 1024
#: The progress callback: (bytes so far, total or None); async ones only with ``astream_to_file``.
Progress = Callable[[int, int | None], Any]
_KINDS: Final = frozenset({"recordings", "snapshots"})


def check_filename(filename: object, method: str) -> str:
    """A media file name: non-empty, no path separators, no ``..``.

    Raises:
        InvalidParamsError: otherwise (nothing is sent).
    """
    if (
        not isinstance(filename, str)
        or not filename
        or filename in (".", "..")
        or any(bad in filename for bad in ("/", "\\", "..", "\x00"))
    ):
        raise ValidationError(
            f"{method}: invalid file name {filename!r}: expected a plain file name",
            code=-32602,
            data={"param": "filename", "rule": "a file name without '/', '\\' or '..'"},
            method=method,
        )
    return filename


def looks_like_jwt(token: str) -> bool:
    """JWTs are three base64url parts separated by dots; API keys are opaque."""
    return token.count(".") == 2


@attrs.define
class DownloadPlan:
    """Everything about one download except the HTTP I/O."""

    method: str
    url: str
    path: str
    verify: ssl.SSLContext | bool
    auth_type: str
    chunk_size: int = CHUNK_SIZE
    _temp: str | None = None

    @classmethod
    def make(
        cls, client: ClientBase[Any], kind: str, filename: str, dest: str | os.PathLike[str]
    ) -> DownloadPlan:
        """Plan a download of ``filename`` from ``/files/{kind}/`` into ``dest``.

        ``dest`` is a directory (the file keeps its name) or a file path whose
        directory exists.

        Raises:
            InvalidParamsError: a bad file name or destination.
        """
        if kind not in _KINDS:  # pragma: no cover - internal misuse
            raise ValueError(kind)
        method = f"download_{kind[:-1]}"
        check_filename(filename, method)
        try:
            target = Path(os.fspath(dest))
        except TypeError:
            raise ValidationError(
                f"{method}: dest must be a path, not {type(dest).__name__}",
                code=-32602,
                data={"param": "dest", "rule": "a path"},
                method=method,
            ) from None
        if target.is_dir():
            target = target / filename
        elif str(dest).endswith(("/", os.sep)):
            # "dir/" names a folder: never write a file called "dir".
            raise ValidationError(
                f"{method}: the folder {str(dest)!r} does not exist",
                code=-32602,
                data={"param": "dest", "rule": "an existing folder or a file in one"},
                method=method,
            )
        if not target.parent.is_dir():
            raise ValidationError(
                f"{method}: the folder {str(target.parent)!r} does not exist",
                code=-32602,
                data={"param": "dest", "rule": "an existing folder or a file in one"},
                method=method,
            )
        s = client.settings
        endpoint = client._endpoint
        verify: ssl.SSLContext | bool = True
        if endpoint.secure:
            verify = (
                ssl_context_for(endpoint, verify_ssl=s.verify_ssl, ssl_context=s.ssl_context)
                or True
            )
        url = f"{client.http_url}/files/{kind}/{quote(filename, safe='')}"
        return cls(method, url, str(target), verify, s.auth_type)

    def headers(self, credential: str | None) -> dict[str, str]:
        """The request headers: the credential as ``Authorization: Bearer`` or ``X-API-Key``."""
        if credential is None:
            return {}
        if self.auth_type == "api_key" or (
            self.auth_type == "auto" and not looks_like_jwt(credential)
        ):
            return {"X-API-Key": credential}
        return {"Authorization": f"Bearer {credential}"}

    def check_status(self, status: int) -> None:
        """Raise the SDK error an HTTP status means (200 passes)."""
        if status == 200:
            return
        error: CameraServiceError
        if status == 401:
            error = AuthenticationError(
                "the server refused the credentials for the download", method=self.method
            )
        elif status == 403:
            error = PermissionDeniedError("downloading is not allowed", method=self.method)
        elif status in (400, 404):
            error = NotFoundError(
                f"no such file on the server (HTTP {status})",
                data={"resource": "file", "http_status": status},
                method=self.method,
            )
        else:
            error = ConnectionError(
                f"download failed with HTTP {status}",
                data={"http_status": status},
                method=self.method,
            )
        raise error

    @staticmethod
    def content_length(header: str | None) -> int | None:
        """The announced size, or None when absent or malformed."""
        if header is None:
            return None
        try:
            value = int(header)
        except ValueError:
            return None
        return value if value >= 0 else None

    @contextlib.contextmanager
    def open_temp(self) -> Iterator[IO[bytes]]:
        """A temporary file beside the destination, removed unless :meth:`finish` renamed it."""
        directory, name = os.path.split(self.path)
        # Not tempfile.mkstemp: its files are mode 0600, and the download must
        # get the permissions any new file gets here (0666 less the umask).
        temp = os.path.join(directory or ".", f".{name}.{secrets.token_hex(6)}.part")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        self._temp = temp
        try:
            with os.fdopen(fd, "wb") as out:
                yield out
        finally:
            if self._temp is not None and os.path.exists(self._temp):
                os.unlink(self._temp)
            self._temp = None

    def finish(self, out: IO[bytes], received: int, total: int | None) -> None:
        """Check the size, flush and move the temporary file into place.

        Raises:
            ConnectionError: fewer (or more) bytes arrived than announced.
        """
        if total is not None and received != total:
            raise ConnectionError(
                f"download incomplete: {received} of {total} bytes", method=self.method
            )
        out.flush()
        os.fsync(out.fileno())
        if self._temp is None:  # pragma: no cover - finish() only runs inside open_temp()
            raise RuntimeError("finish() called outside open_temp()")
        os.replace(self._temp, self.path)
        self._temp = None

    def transport_error(self, exc: BaseException) -> ConnectionError:
        """The SDK error for an HTTP library failure (never the library's own)."""
        return ConnectionError(f"download failed: {type(exc).__name__}: {exc}", method=self.method)


def stream_to_file(
    plan: DownloadPlan, credential: str | None, timeout: float, progress: Progress | None
) -> str:
    """Download ``plan``'s file, blocking (``httpx.Client``); returns the path.

    Raises:
        InvalidParamsError: ``progress`` returned an awaitable (nothing can await it).
        ConnectionError: the download failed (an HTTP library error, or a short body).
    """
    import httpx

    try:
        with (
            httpx.Client(verify=plan.verify, timeout=httpx.Timeout(timeout)) as http,
            http.stream("GET", plan.url, headers=plan.headers(credential)) as response,
        ):
            plan.check_status(response.status_code)
            total = plan.content_length(response.headers.get("content-length"))
            with plan.open_temp() as out:
                done = 0
                for chunk in response.iter_bytes(plan.chunk_size):
                    out.write(chunk)
                    done += len(chunk)
                    if progress is not None:
                        result = progress(done, total)
                        if inspect.isawaitable(result):
                            discard_awaitable(result)
                            raise not_sync("the progress callback", "progress")
                plan.finish(out, done, total)
    except httpx.HTTPError as exc:
        raise plan.transport_error(exc) from exc
    return plan.path


async def astream_to_file(
    plan: DownloadPlan, credential: str | None, timeout: float, progress: Progress | None
) -> str:
    """Download ``plan``'s file (``httpx.AsyncClient``); returns the path.

    ``progress`` may be a coroutine function: its result is awaited.

    Raises:
        ConnectionError: the download failed (an HTTP library error, or a short body).
    """
    import httpx

    try:
        async with (
            httpx.AsyncClient(verify=plan.verify, timeout=httpx.Timeout(timeout)) as http,
            http.stream("GET", plan.url, headers=plan.headers(credential)) as response,
        ):
            plan.check_status(response.status_code)
            total = plan.content_length(response.headers.get("content-length"))
            with plan.open_temp() as out:
                done = 0
                chunks = response.aiter_bytes(plan.chunk_size)
                try:
                    async for chunk in chunks:
                        out.write(chunk)
                        done += len(chunk)
                        if progress is not None:
                            result = progress(done, total)
                            if inspect.isawaitable(result):
                                await result
                except BaseException:
                    await _abandon_body(response, chunks)
                    raise
                plan.finish(out, done, total)
    except httpx.HTTPError as exc:
        raise plan.transport_error(exc) from exc
    return plan.path


async def _abandon_body(response: Any, chunks: AsyncIterator[bytes]) -> None:
    """End an interrupted download's body iterator, so that no async generator leaks.

    httpx's body iterator is a chain of async generators; left suspended, they are
    garbage collected unexhausted, which trio reports as a ResourceWarning per
    generator (encode/httpx#3686). Once the response is closed the next read fails
    at once, and that failure runs every generator of the chain to its end.
    """
    import anyio
    import httpx

    with anyio.CancelScope(shield=True), anyio.move_on_after(1.0):
        await response.aclose()
        try:
            async for _ in chunks:
                pass
        except (httpx.HTTPError, httpx.StreamError):
            pass  # expected: the stream was closed just above
