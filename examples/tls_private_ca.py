"""TLS with a private certificate authority: verified, never silently insecure.

MEDIAMTX_URL is a wss:// URL; the CA bundle that signed the service's
certificate is in the file named by CAMERA_CA_FILE.
"""

import asyncio
import os
import ssl

from mediamtx_camera_sdk import CameraClient


async def main():
    context = ssl.create_default_context(cafile=os.environ["CAMERA_CA_FILE"])
    async with CameraClient(ssl_context=context) as client:
        print(f"{client.url}: {await client.ping()} over TLS")


asyncio.run(main())
