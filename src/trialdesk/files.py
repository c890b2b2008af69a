"""Reading files handed to the command line: bounded, text only, one clear message instead of a traceback."""

from __future__ import annotations

from pathlib import Path

from trialdesk.errors import Problem, ValidationFailed


def read_input_file(path: Path, *, max_bytes: int) -> bytes:
    """The file's bytes, refused (`ValidationFailed` naming the file) when missing, too large or binary."""
    where = str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ValidationFailed(
                f"{path.name} is too large", (Problem(where, f"at most {max_bytes} bytes (it has {size})"),)
            )
        data = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError, PermissionError) as error:
        raise ValidationFailed(
            f"{path} cannot be read", (Problem(where, error.strerror or "unreadable"),)
        ) from None
    if b"\x00" in data:
        raise ValidationFailed(f"{path.name} is not a text file", (Problem(where, "binary content"),))
    return data


def read_text_file(path: Path, *, max_bytes: int) -> str:
    """The file as UTF-8 text (a BOM is dropped); wrong encodings are refused, not guessed."""
    data = read_input_file(path, max_bytes=max_bytes)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationFailed(
            f"{path.name} is not UTF-8 text",
            (Problem(str(path), f"byte {error.start} cannot be read as UTF-8; save the file as UTF-8"),),
        ) from None
