"""The development mail sink behind `flask outbox sink` (aiosmtpd, a development dependency):
every message the portal sends is written to a .eml file and its text printed to the terminal."""

from __future__ import annotations

import email
import logging
import time
from email.message import Message
from email.policy import default
from pathlib import Path

from aiosmtpd.controller import Controller


class FileSink:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope) -> str:
        message: Message = email.message_from_bytes(envelope.content, policy=default)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = self.directory / f"{stamp}-{len(list(self.directory.iterdir())) + 1:05d}.eml"
        path.write_bytes(envelope.content)
        body = message.get_body(preferencelist=("plain",))
        print(f"\n--- mail to {', '.join(envelope.rcpt_tos)}: {message['Subject']}  ({path})", flush=True)
        if body is not None:
            print(body.get_content(), flush=True)
        return "250 Message accepted for delivery"


def serve(host: str, port: int, directory: Path) -> None:
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every connection
    controller = Controller(FileSink(directory), hostname=host, port=port)
    controller.start()
    print(f"Mail sink on {host}:{port}, keeping messages in {directory}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()
