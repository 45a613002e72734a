#include "client/agency/serialized_push.h"

#include "casesync/v1/sync.pb.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"

namespace casesync {

std::string SerializedPush(const std::vector<Replica::EncodedChange>& changes) {
  using google::protobuf::internal::WireFormatLite;
  using google::protobuf::io::CodedOutputStream;
  // Sized once and written in place: grown as it goes (a StringOutputStream)
  // the megabyte of a push would be copied and zeroed several times over.
  const uint32_t tag =
      WireFormatLite::MakeTag(v1::PushBatch::kChangesFieldNumber,
                              WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
  size_t size = 0;
  for (const Replica::EncodedChange& change : changes) {
    size += CodedOutputStream::VarintSize32(tag) +
            CodedOutputStream::VarintSize32(
                static_cast<uint32_t>(change.bytes.size())) +
            change.bytes.size();
  }
  std::string plain(size, '\0');
  auto* out = reinterpret_cast<uint8_t*>(plain.data());
  for (const Replica::EncodedChange& change : changes) {
    out = WireFormatLite::WriteBytesToArray(v1::PushBatch::kChangesFieldNumber,
                                            change.bytes, out);
  }
  return plain;
}

}  // namespace casesync
