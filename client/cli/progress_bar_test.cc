#include "client/cli/progress_bar.h"

#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casesync::cli {
namespace {

using ::testing::HasSubstr;

TEST(ProgressBarTest, RendersTheShareDoneAndTheCounts) {
  EXPECT_EQ(ProgressBar::Render("exporting", 0, 10, "changes"),
            "exporting [>                             ]   0%  0/10 changes");
  EXPECT_EQ(ProgressBar::Render("exporting", 5, 10, "changes"),
            "exporting [===============>              ]  50%  5/10 changes");
  EXPECT_EQ(ProgressBar::Render("exporting", 12, 10, "changes"),
            "exporting [==============================] 100%  10/10 changes");
  EXPECT_EQ(ProgressBar::Render("receiving", 4096, 0, "bytes"),
            "receiving  4096 bytes");
}

TEST(ProgressBarTest, DrawsOnlyWhenEnabledAndWipesItselfAtTheEnd) {
  std::ostringstream off;
  {
    ProgressBar bar(&off, /*enabled=*/false, absl::ZeroDuration());
    bar.Update("importing", 1, 2, "frames");
  }
  EXPECT_EQ(off.str(), "");

  std::ostringstream on;
  {
    ProgressBar bar(&on, /*enabled=*/true, absl::ZeroDuration());
    bar.Update("importing", 1, 2, "frames");
    EXPECT_THAT(on.str(), HasSubstr("\rimporting ["));
    EXPECT_THAT(on.str(), HasSubstr(" 50%  1/2 frames"));
    // Redraws are rate-limited: an update right after is not drawn.
    const size_t drawn = on.str().size();
    bar.Update("importing", 2, 2, "frames");
    EXPECT_EQ(on.str().size(), drawn);
  }
  // Wiped: spaces over the line, and the cursor back at its start.
  const std::string text = on.str();
  EXPECT_EQ(text.back(), '\r');
  EXPECT_THAT(text, HasSubstr("\r     "));
}

TEST(ProgressBarTest, QuickWorkShowsNothing) {
  std::ostringstream out;
  {
    ProgressBar bar(&out, /*enabled=*/true, absl::Hours(1));
    bar.Update("importing", 1, 2, "frames");
  }
  EXPECT_EQ(out.str(), "");
}

}  // namespace
}  // namespace casesync::cli
