// The inventory's fingerprint: SHA-256 of the file with CRLF read as LF, so that results made
// from a copy that went through a Windows share still match. The expected digests are
// `printf ... | sha256sum`.

#include <gtest/gtest.h>

#include "core/atomic_file.hpp"
#include "core/line_ending.hpp"
#include "inventory/inventory_loader.hpp"
#include "support/test_support.hpp"

namespace portolan::inventory {
namespace {

TEST(Fingerprint, IsTheSha256OfTheText) {
  EXPECT_EQ(Fingerprint(""), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Fingerprint("catalog: sms2003\n"),
            "sha256:e738963e0d85490ae1f8b7afed219b055e5aaec08178f6c1c9b2bd43ef767f02");
}

TEST(Fingerprint, ReadsCrlfAsLf) {
  const std::string lf = "sha256:911169ddaaf146aff539f58c26c489af3b892dff0fe283c1c264c65ae5aa59a2";  // "a\nb\n"
  EXPECT_EQ(Fingerprint("a\nb\n"), lf);
  EXPECT_EQ(Fingerprint("a\r\nb\r\n"), lf);
  EXPECT_EQ(Fingerprint("a\r\nb\n"), lf);
  // A CR on its own is a byte of the file like any other.
  EXPECT_EQ(Fingerprint("a\rb\n"), "sha256:367d1c77eadc1495a7db4200f46a8b90ea1fa926282722d308c05a65098a4112");
}

TEST(Fingerprint, OneByteChangesIt) {
  EXPECT_NE(Fingerprint("catalog: sms2003\n"), Fingerprint("catalog: sms2004\n"));
  EXPECT_NE(Fingerprint("catalog: sms2003\n"), Fingerprint("catalog: sms2003\n\n"));
}

TEST(Fingerprint, EveryLoadedInventoryCarriesIt) {
  const auto path = testing::SourceDir() / "examples/sms2003-site.yaml";
  const auto text = core::ReadFile(path);
  const auto expected = Fingerprint(text);
  EXPECT_EQ(LoadInventory(path.string(), std::nullopt).inventory.fingerprint, expected);
  EXPECT_EQ(testing::InventoryFromText(text).fingerprint, expected);
  EXPECT_EQ(testing::InventoryFromText(core::WithLineEnding(text, core::LineEnding::kCrlf)).fingerprint, expected);
}

}  // namespace
}  // namespace portolan::inventory
