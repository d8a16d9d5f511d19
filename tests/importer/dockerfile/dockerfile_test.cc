#include "importer/dockerfile/dockerfile.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "importer/dockerfile/word_expansion.h"

namespace hpc::dockerfile {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

Dockerfile Parse(absl::string_view text) {
  auto file = ParseDockerfile(text, "Dockerfile");
  EXPECT_TRUE(file.ok()) << file.status();
  return file.ok() ? *file : Dockerfile{};
}

TEST(DockerfileTest, InstructionsLinesAndCase) {
  Dockerfile f = Parse(
      "# a comment\n"
      "\n"
      "from base: AS Build\n"
      "  copy --from=build  a.txt  C:\\app/\n"
      "CMD [\"cmd.exe\", \"/c\", \"echo hi\"]\n"
      "ENTRYPOINT powershell -File run.ps1\n");
  ASSERT_EQ(f.instructions.size(), 4u);
  EXPECT_EQ(f.escape, '\\');
  EXPECT_EQ(f.instructions[0].keyword, "FROM");
  EXPECT_EQ(f.instructions[0].line, 3);
  EXPECT_EQ(f.instructions[0].arguments, "base: AS Build");
  EXPECT_EQ(f.instructions[1].keyword, "COPY");
  EXPECT_THAT(f.instructions[1].flags, ElementsAre(Pair("from", "build")));
  EXPECT_EQ(f.instructions[1].arguments, "a.txt  C:\\app/");
  EXPECT_EQ(f.instructions[1].line, 4);
  ASSERT_TRUE(f.instructions[2].json.has_value());
  EXPECT_THAT(*f.instructions[2].json, ElementsAre("cmd.exe", "/c", "echo hi"));
  EXPECT_FALSE(f.instructions[3].json.has_value());
  EXPECT_EQ(f.instructions[3].arguments, "powershell -File run.ps1");
}

TEST(DockerfileTest, ContinuationsSkipCommentsAndBlankLines) {
  Dockerfile f = Parse(
      "FROM scratch\n"
      "LABEL a=1 \\\n"
      "# inside\n"
      "\n"
      "      b=2\n"
      "COPY x y\n");
  ASSERT_EQ(f.instructions.size(), 3u);
  EXPECT_EQ(f.instructions[1].arguments, "a=1       b=2");
  EXPECT_EQ(f.instructions[1].line, 2);
  EXPECT_EQ(f.instructions[2].line, 6);
}

TEST(DockerfileTest, BacktickEscapeDirective) {
  Dockerfile f = Parse(
      "# escape=`\n"
      "FROM base:\n"
      "COPY run.ps1 `\n"
      "  # comment\n"
      "\n"
      "  C:\\app\\\n"
      "WORKDIR C:\\app\n");
  EXPECT_EQ(f.escape, '`');
  ASSERT_EQ(f.instructions.size(), 3u);
  // The backslash at the end of "C:\app\" is not a continuation.
  EXPECT_EQ(f.instructions[1].arguments, "run.ps1   C:\\app\\");
  EXPECT_EQ(f.instructions[2].keyword, "WORKDIR");
  EXPECT_EQ(f.instructions[2].line, 7);
}

TEST(DockerfileTest, DirectivesOnlyAtTheTop) {
  Dockerfile f = Parse("# comment\n# escape=`\nFROM base:\n");
  EXPECT_EQ(f.escape, '\\');
  f = Parse("# syntax=docker/dockerfile:1\n# ESCAPE = `\nFROM base:\n");
  EXPECT_EQ(f.escape, '`');
}

TEST(DockerfileTest, ErrorsNameTheLine) {
  auto bad = ParseDockerfile("# escape=x\nFROM base:\n", "Dockerfile.windows");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("Dockerfile.windows:1:"));
  EXPECT_THAT(bad.status().message(), HasSubstr("escape \"x\""));
  bad = ParseDockerfile("FROM base:\n\n1COPY a b\n", "Dockerfile");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("Dockerfile:3:"));
  bad = ParseDockerfile("# escape=`\n# escape=\\\nFROM base:\n", "D");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("D:2: parser directive"));
}

TEST(DockerfileTest, CrlfLineEndings) {
  Dockerfile f = Parse("FROM base:\r\nCOPY a \\\r\n  b\r\n");
  ASSERT_EQ(f.instructions.size(), 2u);
  EXPECT_EQ(f.instructions[1].arguments, "a   b");
}

TEST(DockerfileTest, HereDocuments) {
  Dockerfile f = Parse(
      "# syntax=docker/dockerfile:1.4\n"
      "FROM --platform=linux/amd64 busybox AS bins\n"
      "RUN <<EOF\n"
      "echo one\n"
      "echo $HOME\n"
      "EOF\n"
      "RUN cat <<-'A' >a.txt && cat <<\"B\" >b.txt\n"
      "\t\tindented\n"
      "\tA\n"
      "<<not an end\n"
      "B\n"
      "COPY <<config.json /etc/config.json\n"
      "{\"k\": \"$V\"}\n"
      "config.json\n"
      "ENV X=1\n");
  EXPECT_EQ(f.syntax, "docker/dockerfile:1.4");
  ASSERT_EQ(f.instructions.size(), 5u);
  ASSERT_EQ(f.instructions[1].heredocs.size(), 1u);
  EXPECT_EQ(f.instructions[1].heredocs[0].name, "EOF");
  EXPECT_EQ(f.instructions[1].heredocs[0].content, "echo one\necho $HOME\n");
  EXPECT_TRUE(f.instructions[1].heredocs[0].expand);
  ASSERT_EQ(f.instructions[2].heredocs.size(), 2u);
  EXPECT_EQ(f.instructions[2].heredocs[0].content, "indented\n") << "<<- strips tabs";
  EXPECT_FALSE(f.instructions[2].heredocs[0].expand);
  EXPECT_EQ(f.instructions[2].heredocs[1].content, "<<not an end\n");
  EXPECT_FALSE(f.instructions[2].heredocs[1].expand);
  EXPECT_EQ(f.instructions[3].heredocs[0].name, "config.json");
  EXPECT_EQ(f.instructions[4].keyword, "ENV");
  EXPECT_EQ(f.instructions[4].line, 15);

  auto open = ParseDockerfile("FROM base:\nRUN <<EOF\necho never ends\n", "Dockerfile");
  ASSERT_FALSE(open.ok());
  EXPECT_THAT(open.status().message(),
              AllOf(HasSubstr("Dockerfile:2:"), HasSubstr("<<EOF has no line EOF")));
}

TEST(WordExpansionTest, Variables) {
  Variables v = {{"APP", "C:\\app"}, {"EMPTY", ""}, {"V", "1.2"}};
  auto expand = [&](const char* word, char escape = '\\') {
    auto r = ExpandWord(word, v, escape);
    EXPECT_TRUE(r.ok()) << word << ": " << r.status();
    return r.ok() ? *r : "";
  };
  EXPECT_EQ(expand("$APP"), "C:\\app");
  EXPECT_EQ(expand("${APP}\\x"), "C:\\appx");  // \x outside quotes is x
  EXPECT_EQ(expand("${APP}\\x", '`'), "C:\\app\\x");
  EXPECT_EQ(expand("\"${APP}\\x\""), "C:\\app\\x");  // kept inside quotes
  EXPECT_EQ(expand("'$APP'"), "$APP");
  EXPECT_EQ(expand("\\$APP"), "$APP");
  EXPECT_EQ(expand("`$APP", '`'), "$APP");
  EXPECT_EQ(expand("${MISSING:-d}"), "d");
  EXPECT_EQ(expand("${EMPTY:-d}"), "d");
  EXPECT_EQ(expand("${EMPTY-d}"), "");
  EXPECT_EQ(expand("${V:+set}"), "set");
  EXPECT_EQ(expand("${MISSING:+set}"), "");
  EXPECT_EQ(expand("${MISSING:-${V}}"), "1.2");
  EXPECT_EQ(expand("v$V-$MISSING."), "v1.2-.");
  EXPECT_EQ(expand("cost$"), "cost$");
  auto err = ExpandWord("${MISSING:?give it}", v, '\\');
  ASSERT_FALSE(err.ok());
  EXPECT_THAT(err.status().message(), HasSubstr("MISSING: give it"));
  EXPECT_FALSE(ExpandWord("\"open", v, '\\').ok());
  EXPECT_FALSE(ExpandWord("${1BAD}", v, '\\').ok());
}

TEST(WordExpansionTest, WordsAndKeyValues) {
  Variables v = {{"X", "a b"}};
  auto words = ExpandWords("  one \"two three\" $X ", v, '\\');
  ASSERT_TRUE(words.ok());
  EXPECT_THAT(*words, ElementsAre("one", "two three", "a b"));

  auto kv = ParseKeyValues("A=1 B=\"two words\" C=${X}", v, '\\', true, false);
  ASSERT_TRUE(kv.ok()) << kv.status();
  ASSERT_EQ(kv->size(), 3u);
  EXPECT_EQ((*kv)[1].key, "B");
  EXPECT_EQ(*(*kv)[1].value, "two words");
  EXPECT_EQ(*(*kv)[2].value, "a b");

  auto legacy = ParseKeyValues("PATH C:\\bin;C:\\x", v, '`', true, false);
  ASSERT_TRUE(legacy.ok());
  EXPECT_EQ((*legacy)[0].key, "PATH");
  EXPECT_EQ(*(*legacy)[0].value, "C:\\bin;C:\\x");

  auto arg = ParseKeyValues("VERSION", v, '\\', false, true);
  ASSERT_TRUE(arg.ok());
  EXPECT_FALSE((*arg)[0].value.has_value());
  EXPECT_FALSE(ParseKeyValues("NOVALUE", v, '\\', false, false).ok());
  EXPECT_FALSE(ParseKeyValues("=x", v, '\\', false, false).ok());
}

}  // namespace
}  // namespace hpc::dockerfile
