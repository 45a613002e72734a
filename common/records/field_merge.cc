#include "common/records/field_merge.h"

#include <algorithm>

#include "common/base/hlc.h"

namespace casesync {

int CompareDots(const v1::Dot& a, const v1::Dot& b) {
  if (int c = a.replica().compare(b.replica()); c != 0) return c < 0 ? -1 : 1;
  if (a.counter() != b.counter()) return a.counter() < b.counter() ? -1 : 1;
  return 0;
}

bool ShownBefore(const v1::HeadValue& a, const v1::HeadValue& b) {
  if (int c = CompareHlc(a.hlc(), b.hlc()); c != 0) return c > 0;
  return CompareDots(a.dot(), b.dot()) > 0;
}

bool AddHead(v1::HeadValue value, v1::FieldHeads* heads) {
  auto* list = heads->mutable_heads();
  auto it =
      std::lower_bound(list->begin(), list->end(), value,
                       [](const v1::HeadValue& x, const v1::HeadValue& y) {
                         return CompareDots(x.dot(), y.dot()) < 0;
                       });
  if (it != list->end() && SameDot(it->dot(), value.dot())) return false;
  const int index = static_cast<int>(it - list->begin());
  list->Add(std::move(value));
  // Bubble the new last element into place.
  for (int i = list->size() - 1; i > index; --i) list->SwapElements(i, i - 1);
  return true;
}

bool RemoveHead(const v1::Dot& dot, v1::FieldHeads* heads) {
  auto* list = heads->mutable_heads();
  for (int i = 0; i < list->size(); ++i) {
    if (SameDot(list->Get(i).dot(), dot)) {
      list->DeleteSubrange(i, 1);
      return true;
    }
  }
  return false;
}

const v1::HeadValue& Winner(const v1::FieldHeads& heads) {
  const v1::HeadValue* best = &heads.heads(0);
  for (const v1::HeadValue& head : heads.heads()) {
    if (ShownBefore(head, *best)) best = &head;
  }
  return *best;
}

std::vector<const v1::HeadValue*> InShownOrder(const v1::FieldHeads& heads) {
  std::vector<const v1::HeadValue*> ordered;
  ordered.reserve(heads.heads_size());
  for (const v1::HeadValue& head : heads.heads()) ordered.push_back(&head);
  std::sort(ordered.begin(), ordered.end(),
            [](const v1::HeadValue* a, const v1::HeadValue* b) {
              return ShownBefore(*a, *b);
            });
  return ordered;
}

}  // namespace casesync
