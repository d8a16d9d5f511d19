#include "plugin/store/filter.h"

#include <re2/re2.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "importer/log/quote.h"

namespace hpc::store {

namespace {

bool IsFieldChar(char c) {
  return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9');
}
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
         c == '\f';
}
bool IsOperatorChar(char c) { return c == '=' || c == '!' || c == '~'; }
bool IsQuoteChar(char c) { return c == '"' || c == '/' || c == '|'; }
bool IsValueChar(char c) {
  return c != ',' && !IsSpace(c) && c != '\0' &&
         (static_cast<unsigned char>(c) >= 0x21);
}
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace

class Filter::Parser {
 public:
  explicit Parser(absl::string_view input) : in_(input) {}

  absl::StatusOr<Conjunction> Parse() {
    Conjunction all;
    while (true) {
      auto selector = ParseSelector();
      if (!selector.ok()) return selector.status();
      all.push_back(std::move(*selector));
      SkipSpace();
      if (AtEnd()) return all;
      if (in_[pos_] != ',') return Error("expected \",\" between selectors");
      ++pos_;
    }
  }

 private:
  bool AtEnd() const { return pos_ >= in_.size(); }
  void SkipSpace() {
    while (!AtEnd() && IsSpace(in_[pos_])) ++pos_;
  }

  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrFormat("filter %s: parse error at position %d: %s",
                        log::Quote(in_), pos_, what));
  }

  absl::StatusOr<Selector> ParseSelector() {
    Selector selector;
    while (true) {
      auto field = ParseField();
      if (!field.ok()) return field.status();
      selector.fieldpath.push_back(std::move(*field));
      SkipSpace();
      if (AtEnd() || in_[pos_] != '.') break;
      ++pos_;
    }
    SkipSpace();
    if (AtEnd() || in_[pos_] == ',') return selector;
    if (!IsOperatorChar(in_[pos_])) {
      return Error("expected an operator (==, != or ~=)");
    }
    size_t start = pos_;
    while (!AtEnd() && IsOperatorChar(in_[pos_])) ++pos_;
    absl::string_view op = in_.substr(start, pos_ - start);
    if (op == "==") {
      selector.op = Operator::kEqual;
    } else if (op == "!=") {
      selector.op = Operator::kNotEqual;
    } else if (op == "~=") {
      selector.op = Operator::kMatches;
    } else {
      pos_ = start;
      return Error(absl::StrCat("unsupported operator \"", op, "\""));
    }
    auto value = ParseValue(selector.op == Operator::kMatches);
    if (!value.ok()) return value.status();
    selector.value = std::move(*value);
    if (selector.op == Operator::kMatches) {
      auto regex = std::make_shared<re2::RE2>(selector.value, re2::RE2::Quiet);
      if (!regex->ok()) {
        return Error(absl::StrCat("invalid regular expression \"",
                                  selector.value, "\": ", regex->error()));
      }
      selector.regex = std::move(regex);
    }
    return selector;
  }

  absl::StatusOr<std::string> ParseField() {
    SkipSpace();
    if (AtEnd()) return Error("expected a field");
    if (in_[pos_] == '"') return ParseQuoted();
    size_t start = pos_;
    while (!AtEnd() && IsFieldChar(in_[pos_])) ++pos_;
    if (pos_ == start) return Error("expected a field or a quoted field");
    return std::string(in_.substr(start, pos_ - start));
  }

  absl::StatusOr<std::string> ParseValue(bool allow_alternate_quotes) {
    SkipSpace();
    if (AtEnd()) return Error("expected a value");
    char c = in_[pos_];
    if (c == '"' || (allow_alternate_quotes && IsQuoteChar(c))) {
      return ParseQuoted();
    }
    if (IsQuoteChar(c)) return Error("invalid quote for this operator");
    size_t start = pos_;
    while (!AtEnd() && IsValueChar(in_[pos_])) ++pos_;
    if (pos_ == start) return Error("expected a value");
    return std::string(in_.substr(start, pos_ - start));
  }

  // A quoted string with Go escapes; the quote character itself may be
  // escaped.
  absl::StatusOr<std::string> ParseQuoted() {
    char quote = in_[pos_++];
    std::string out;
    while (true) {
      if (AtEnd() || in_[pos_] == '\n')
        return Error("quoted text not terminated");
      char c = in_[pos_++];
      if (c == quote) return out;
      if (c == '\0') return Error("unexpected NUL");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (AtEnd()) return Error("quoted text not terminated");
      char e = in_[pos_++];
      switch (e) {
        case 'a':
          out += '\a';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'v':
          out += '\v';
          break;
        case '\\':
          out += '\\';
          break;
        case 'x':
        case 'u':
        case 'U': {
          int digits = e == 'x' ? 2 : (e == 'u' ? 4 : 8);
          uint32_t cp = 0;
          for (int i = 0; i < digits; ++i) {
            if (AtEnd() || HexValue(in_[pos_]) < 0) {
              return Error("illegal hex escape");
            }
            cp = cp * 16 + static_cast<uint32_t>(HexValue(in_[pos_++]));
          }
          if (e == 'x') {
            out += static_cast<char>(cp);
          } else {
            if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
              return Error("illegal unicode escape");
            }
            AppendUtf8(out, cp);
          }
          break;
        }
        default:
          if (e >= '0' && e <= '7') {
            uint32_t v = static_cast<uint32_t>(e - '0');
            for (int i = 0; i < 2; ++i) {
              if (AtEnd() || in_[pos_] < '0' || in_[pos_] > '7') {
                return Error("illegal octal escape");
              }
              v = v * 8 + static_cast<uint32_t>(in_[pos_++] - '0');
            }
            if (v > 255) return Error("illegal octal escape");
            out += static_cast<char>(v);
          } else if (e == quote) {
            out += e;
          } else {
            return Error("illegal escape sequence");
          }
      }
    }
  }

  absl::string_view in_;
  size_t pos_ = 0;
};

absl::StatusOr<Filter> Filter::Parse(absl::string_view text) {
  Filter filter;
  if (text.empty()) return filter;
  auto all = Parser(text).Parse();
  if (!all.ok()) return all.status();
  filter.alternatives_.push_back(std::move(*all));
  return filter;
}

absl::StatusOr<Filter> Filter::ParseAny(const std::vector<std::string>& texts) {
  Filter filter;
  for (const std::string& text : texts) {
    if (text.empty()) return Filter();  // an empty filter matches all
    auto all = Parser(text).Parse();
    if (!all.ok()) return all.status();
    filter.alternatives_.push_back(std::move(*all));
  }
  return filter;
}

bool Filter::MatchSelector(const Selector& selector, Adaptor adaptor) {
  std::optional<std::string> value = adaptor(selector.fieldpath);
  switch (selector.op) {
    case Operator::kPresent:
      return value.has_value();
    case Operator::kEqual:
      return value.has_value() && *value == selector.value;
    case Operator::kNotEqual:
      return value.value_or("") != selector.value;
    case Operator::kMatches:
      return re2::RE2::PartialMatch(value.value_or(""), *selector.regex);
  }
  return false;
}

bool Filter::Match(Adaptor adaptor) const {
  if (alternatives_.empty()) return true;
  for (const Conjunction& all : alternatives_) {
    bool ok = true;
    for (const Selector& selector : all) {
      if (!MatchSelector(selector, adaptor)) {
        ok = false;
        break;
      }
    }
    if (ok) return true;
  }
  return false;
}

}  // namespace hpc::store
