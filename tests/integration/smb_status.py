# SPDX-License-Identifier: GPL-2.0-or-later
"""smb_status.py - what the impacket clients driven by test_durable.sh
(durable_restart.py, resilient.py) share: the access they open with and
NTSTATUS codes as the names their result lines print.
"""
from impacket import smb3
from impacket.smbconnection import SessionError

FILE_READ_DATA, FILE_WRITE_DATA = 0x1, 0x2
SYNCHRONIZE, READ_ATTRS = 0x100000, 0x80
ACCESS = FILE_READ_DATA | FILE_WRITE_DATA | READ_ATTRS | SYNCHRONIZE
FILE_SHARE_READ = 0x1
STATUS = {0: "SUCCESS", 0xC0000034: "OBJECT_NAME_NOT_FOUND",
          0xC0000043: "SHARING_VIOLATION", 0xC0000022: "ACCESS_DENIED",
          0xC0000054: "FILE_LOCK_CONFLICT", 0xC0000055: "LOCK_NOT_GRANTED",
          0xC000000D: "INVALID_PARAMETER", 0xC0000010: "INVALID_DEVICE_REQUEST"}


def status_name(code):
    return STATUS.get(code, "0x%08x" % code)


def try_status(fn):
    """Run fn; the name of the status it ended with."""
    try:
        fn()
        return "SUCCESS"
    except SessionError as e:
        return status_name(e.getErrorCode())
    except smb3.SessionError as e:
        return status_name(e.get_error_code())
