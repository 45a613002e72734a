#include "common/publication/review_text.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace casesync {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

struct Owner {
  std::string label;
  std::string record_id;
};

// How a message that is a record (or stands for one) is named; an empty
// label for a message that is part of its parent.
Owner OwnerOf(const Message& message) {
  const Descriptor* d = message.GetDescriptor();
  const auto field = [&](const char* name) -> std::string {
    const FieldDescriptor* f = d->FindFieldByName(name);
    if (f == nullptr || f->cpp_type() != FieldDescriptor::CPPTYPE_STRING ||
        f->is_repeated()) {
      return "";
    }
    return message.GetReflection()->GetString(message, f);
  };
  const std::string& type = d->name();
  if (type == "JointReview") return {"joint review", ""};
  if (type == "Review") return {"review", field("id")};
  if (type == "AgencyContribution") {
    return {absl::StrCat("contribution of ", field("agency")), ""};
  }
  if (type == "ReviewConflict") {
    return {absl::StrCat("conflict on record ", field("record_id")), ""};
  }
  if (type == "CompositeEntry" || type == "EpisodeSection") {
    const FieldDescriptor* inner =
        d->FindFieldByName(type == "CompositeEntry" ? "entry" : "episode");
    return OwnerOf(message.GetReflection()->GetMessage(message, inner));
  }
  static const std::pair<const char*, const char*> kKinds[] = {
      {"ChronologyEntry", "chronology entry"},
      {"KeyPracticeEpisode", "key practice episode"},
      {"ContributoryFactor", "contributory factor"},
      {"Finding", "finding"},
      {"ActionPlanItem", "action plan item"},
      {"AgencySummary", "agency summary"},
      {"Conversation", "conversation"},
      {"Discrepancy", "discrepancy"},
      {"DiscrepancyDecision", "discrepancy decision"},
  };
  for (const auto& [name, kind] : kKinds) {
    if (type == name) {
      const std::string id = field("id");
      return {absl::StrCat(kind, " ", id.empty() ? "(no id)" : id), id};
    }
  }
  return {"", ""};
}

// Visits the strings of `message`; `Get` reads one, `Set` writes it back
// (null when reading only).
void Visit(Message* mutable_message, const Message& message, const Owner& owner,
           const std::string& path,
           const std::function<void(const TextPlace&, std::string*)>& visit) {
  const Reflection* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    // A record's review_id is the review's id, visited once with the review.
    if (field->name() == "review_id" &&
        message.GetDescriptor()->name() != "Review") {
      continue;
    }
    const std::string name = absl::StrCat(path, field->name());
    const bool repeated = field->is_repeated();
    const int size = repeated ? reflection->FieldSize(message, field) : 1;
    for (int i = 0; i < size; ++i) {
      const std::string where =
          repeated ? absl::StrCat(name, " #", i + 1) : name;
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING &&
          field->type() != FieldDescriptor::TYPE_BYTES) {
        std::string value =
            repeated ? reflection->GetRepeatedString(message, field, i)
                     : reflection->GetString(message, field);
        const std::string before = value;
        visit({owner.label, owner.record_id, where}, &value);
        if (mutable_message != nullptr && value != before) {
          if (repeated) {
            reflection->SetRepeatedString(mutable_message, field, i,
                                          std::move(value));
          } else {
            reflection->SetString(mutable_message, field, std::move(value));
          }
        }
      } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
                 !field->is_map()) {
        const Message& child =
            repeated ? reflection->GetRepeatedMessage(message, field, i)
                     : reflection->GetMessage(message, field);
        Message* mutable_child = nullptr;
        if (mutable_message != nullptr) {
          mutable_child =
              repeated ? reflection->MutableRepeatedMessage(mutable_message,
                                                            field, i)
                       : reflection->MutableMessage(mutable_message, field);
        }
        const Owner own = OwnerOf(child);
        if (own.label.empty()) {
          Visit(mutable_child, child, owner, absl::StrCat(where, "."), visit);
        } else {
          Visit(mutable_child, child, own, "", visit);
        }
      } else if (field->is_map()) {
        // Map keys are record type names ("chronology"): visited read-only.
        const Message& entry =
            reflection->GetRepeatedMessage(message, field, i);
        Visit(nullptr, entry, owner, absl::StrCat(where, "."), visit);
      }
    }
  }
}

}  // namespace

void VisitReviewText(
    v1::JointReview* review,
    const std::function<void(const TextPlace&, std::string*)>& visit) {
  Visit(review, *review, OwnerOf(*review), "", visit);
}

void VisitReviewText(
    const v1::JointReview& review,
    const std::function<void(const TextPlace&, const std::string&)>& visit) {
  Visit(
      nullptr, review, OwnerOf(review), "",
      [&](const TextPlace& place, std::string* text) { visit(place, *text); });
}

}  // namespace casesync
