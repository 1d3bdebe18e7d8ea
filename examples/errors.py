"""Handling errors: one tree, with the server's code and data."""

import asyncio

from mediamtx_camera_sdk import (
    AuthenticationError,
    CameraClient,
    CameraNotFoundError,
    CameraServiceError,
    ConnectionError,
    InvalidParamsError,
)


async def main():
    client = CameraClient(max_retries=0)
    try:
        await client.connect()
    except AuthenticationError as e:
        print(f"Authentication failed: {e}")
        return
    except ConnectionError as e:
        print(f"Connection failed: {e}")
        return
    try:
        await client.get_camera_status("camera99")
    except CameraNotFoundError as e:
        print(f"not found: code {e.code}, method {e.method}")
    try:
        await client.get_camera_status("not a camera id")
    except InvalidParamsError as e:
        print(f"rejected before sending: {e.param}")
    except CameraServiceError as e:
        print(f"other error: {e!r}")
    finally:
        await client.disconnect()


asyncio.run(main())
