#include "importer/dockerfile/word_expansion.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace hpc::dockerfile {
namespace {

bool IsNameStart(char c) { return absl::ascii_isalpha(c) || c == '_'; }
bool IsNameChar(char c) { return absl::ascii_isalnum(c) || c == '_'; }

class Expander {
 public:
  Expander(absl::string_view text, const Variables& variables, char escape)
      : text_(text), variables_(variables), escape_(escape) {}

  // The whole text with only its variables expanded (\$ is a dollar).
  absl::StatusOr<std::string> OnlyVariables() {
    std::string out;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '\\' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '$') {
        out += '$';
        pos_ += 2;
      } else if (c == '$') {
        auto v = Variable();
        if (!v.ok()) return v.status();
        out += *v;
      } else {
        out += c;
        ++pos_;
      }
    }
    return out;
  }

  // Reads one word from the current position; stops at unquoted white space
  // when `split` is set.
  absl::StatusOr<std::string> Word(bool split) {
    std::string out;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (split && absl::ascii_isspace(c)) break;
      if (c == escape_) {
        ++pos_;
        if (pos_ < text_.size())
          out += text_[pos_++];
        else
          out += escape_;  // a trailing escape stays
      } else if (c == '\'') {
        size_t end = text_.find('\'', pos_ + 1);
        if (end == absl::string_view::npos) return Unterminated("'");
        absl::StrAppend(&out, text_.substr(pos_ + 1, end - pos_ - 1));
        pos_ = end + 1;
      } else if (c == '"') {
        ++pos_;
        bool closed = false;
        while (pos_ < text_.size()) {
          char d = text_[pos_];
          if (d == '"') {
            ++pos_;
            closed = true;
            break;
          }
          if (d == escape_ && pos_ + 1 < text_.size() &&
              (text_[pos_ + 1] == '"' || text_[pos_ + 1] == '$' ||
               text_[pos_ + 1] == escape_)) {
            out += text_[pos_ + 1];
            pos_ += 2;
          } else if (d == '$') {
            auto v = Variable();
            if (!v.ok()) return v.status();
            out += *v;
          } else {
            out += d;
            ++pos_;
          }
        }
        if (!closed) return Unterminated("\"");
      } else if (c == '$') {
        auto v = Variable();
        if (!v.ok()) return v.status();
        out += *v;
      } else {
        out += c;
        ++pos_;
      }
    }
    return out;
  }

  void SkipSpace() {
    while (pos_ < text_.size() && absl::ascii_isspace(text_[pos_])) ++pos_;
  }
  bool AtEnd() const { return pos_ >= text_.size(); }

 private:
  absl::Status Unterminated(absl::string_view quote) const {
    return absl::InvalidArgumentError(
        absl::StrCat("unterminated ", quote, " in \"", text_, "\""));
  }

  // At a '$': the value it stands for.
  absl::StatusOr<std::string> Variable() {
    ++pos_;  // '$'
    if (pos_ >= text_.size()) return std::string("$");
    if (text_[pos_] != '{') {
      size_t start = pos_;
      if (!IsNameStart(text_[pos_])) return std::string("$");
      while (pos_ < text_.size() && IsNameChar(text_[pos_])) ++pos_;
      return Lookup(text_.substr(start, pos_ - start)).value_or("");
    }
    ++pos_;  // '{'
    size_t start = pos_;
    while (pos_ < text_.size() && IsNameChar(text_[pos_])) ++pos_;
    std::string name(text_.substr(start, pos_ - start));
    if (name.empty() || !IsNameStart(name[0])) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad substitution in \"", text_, "\""));
    }
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      return Lookup(name).value_or("");
    }
    bool colon = pos_ < text_.size() && text_[pos_] == ':';
    if (colon) ++pos_;
    if (pos_ >= text_.size() ||
        (text_[pos_] != '-' && text_[pos_] != '+' && text_[pos_] != '?')) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unsupported substitution of ", name, " in \"", text_, "\""));
    }
    char op = text_[pos_++];
    // The word runs to the matching '}'; it is expanded in turn.
    size_t word_start = pos_;
    int depth = 1;
    while (pos_ < text_.size()) {
      if (text_[pos_] == '{') ++depth;
      if (text_[pos_] == '}' && --depth == 0) break;
      ++pos_;
    }
    if (pos_ >= text_.size()) return Unterminated("${");
    absl::string_view raw = text_.substr(word_start, pos_ - word_start);
    ++pos_;  // '}'
    std::optional<std::string> value = Lookup(name);
    bool set = value.has_value() && (!colon || !value->empty());
    auto word = [&]() {
      return Expander(raw, variables_, escape_).Word(false);
    };
    switch (op) {
      case '-':
        if (set) return *value;
        return word();
      case '+':
        if (set) return word();
        return std::string();
      default:  // '?'
        if (set) return *value;
        auto message = word();
        if (!message.ok()) return message.status();
        return absl::InvalidArgumentError(absl::StrCat(
            name, ": ", message->empty() ? "is not set" : *message));
    }
  }

  std::optional<std::string> Lookup(absl::string_view name) const {
    auto it = variables_.find(std::string(name));
    if (it == variables_.end()) return std::nullopt;
    return it->second;
  }

  absl::string_view text_;
  const Variables& variables_;
  char escape_;
  size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<std::string> ExpandWord(absl::string_view word,
                                       const Variables& variables,
                                       char escape) {
  return Expander(word, variables, escape).Word(false);
}

absl::StatusOr<std::string> ExpandVariables(absl::string_view text,
                                            const Variables& variables) {
  return Expander(text, variables, '\\').OnlyVariables();
}

absl::StatusOr<std::vector<std::string>> ExpandWords(absl::string_view text,
                                                     const Variables& variables,
                                                     char escape) {
  Expander e(text, variables, escape);
  std::vector<std::string> words;
  e.SkipSpace();
  while (!e.AtEnd()) {
    auto w = e.Word(true);
    if (!w.ok()) return w.status();
    words.push_back(std::move(*w));
    e.SkipSpace();
  }
  return words;
}

absl::StatusOr<std::vector<KeyValue>> ParseKeyValues(absl::string_view text,
                                                     const Variables& variables,
                                                     char escape,
                                                     bool legacy_form,
                                                     bool value_optional) {
  text = absl::StripAsciiWhitespace(text);
  std::vector<KeyValue> out;
  if (text.empty()) {
    return absl::InvalidArgumentError("expected KEY=VALUE");
  }
  size_t first_space = text.find_first_of(" \t");
  absl::string_view first_word = text.substr(0, first_space);
  if (legacy_form && first_word.find('=') == absl::string_view::npos &&
      first_space != absl::string_view::npos) {
    // ENV KEY VALUE: the rest of the line is one value.
    auto value =
        ExpandWord(absl::StripAsciiWhitespace(text.substr(first_space)),
                   variables, escape);
    if (!value.ok()) return value.status();
    out.push_back({std::string(first_word), *value});
    return out;
  }
  // Each word is KEY=VALUE; the key is taken before expanding the value.
  size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && absl::ascii_isspace(text[pos])) ++pos;
    if (pos >= text.size()) break;
    // Find the end of this word: unquoted white space.
    size_t end = pos;
    char quote = 0;
    while (end < text.size()) {
      char c = text[end];
      if (quote) {
        if (c == escape && quote == '"' && end + 1 < text.size()) {
          end += 2;
          continue;
        }
        if (c == quote) quote = 0;
      } else if (c == escape && end + 1 < text.size()) {
        end += 2;
        continue;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (absl::ascii_isspace(c)) {
        break;
      }
      ++end;
    }
    absl::string_view word = text.substr(pos, end - pos);
    pos = end;
    size_t eq = word.find('=');
    if (eq == absl::string_view::npos) {
      if (!value_optional) {
        return absl::InvalidArgumentError(
            absl::StrCat("\"", word, "\": expected KEY=VALUE"));
      }
      auto key = ExpandWord(word, variables, escape);
      if (!key.ok()) return key.status();
      out.push_back({*key, std::nullopt});
      continue;
    }
    auto key = ExpandWord(word.substr(0, eq), variables, escape);
    if (!key.ok()) return key.status();
    if (key->empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", word, "\": the name is empty"));
    }
    auto value = ExpandWord(word.substr(eq + 1), variables, escape);
    if (!value.ok()) return value.status();
    out.push_back({*key, *value});
  }
  return out;
}

}  // namespace hpc::dockerfile
