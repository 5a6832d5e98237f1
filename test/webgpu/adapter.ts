/**
 * Opening the webgpu backend for the tests in this folder. Without a GPU the tests run on
 * SwiftShader's Vulkan driver (Debian's chromium-common; Dawn also needs the Vulkan loader,
 * libvulkan1): `VK_ICD_FILENAMES` is set here, before the `webgpu` package loads, when that driver
 * is installed and no driver was chosen. With `TYPEGRAD_REQUIRE_WEBGPU=1` (CI) a missing adapter
 * fails the tests; otherwise they are skipped with the reason.
 */
import { existsSync } from "node:fs";
import { getBackend, setBackend, useBackend } from "../../src/index.js";

const SWIFTSHADER = "/usr/lib/chromium/vk_swiftshader_icd.json";
if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER)) {
  process.env.VK_ICD_FILENAMES = SWIFTSHADER;
}

/** Why the webgpu backend could not be opened, or null when it is open. */
export async function openWebgpu(): Promise<string | null> {
  const before = getBackend();
  try {
    await useBackend("webgpu");
    return null;
  } catch (e) {
    const reason = (e as Error).message;
    if (process.env.TYPEGRAD_REQUIRE_WEBGPU === "1") {
      throw new Error(`TYPEGRAD_REQUIRE_WEBGPU=1 but the webgpu backend did not open: ${reason}`);
    }
    return reason;
  } finally {
    setBackend(before);
  }
}
