#include "plugin/server/async_calls.h"

#include <grpcpp/alarm.h>
#include <grpcpp/server_context.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <utility>
#include <vector>

#include "plugin/server/blob_read.h"
#include "plugin/server/write_session.h"

namespace hpc::server {

namespace {

using Service = contentapi::Content::AsyncService;

// Tells the metrics, if any, of a call that ended with `status`.
void Observe(const AsyncCallContext& context, const char* method,
             const grpc::Status& status, absl::Time start) {
  if (context.metrics == nullptr) return;
  context.metrics->ObserveCall(
      method,
      absl::StatusCodeToString(
          static_cast<absl::StatusCode>(status.error_code())),
      absl::Now() - start);
}

// Runs `job` on the context's pool, or here when it has none.
void RunChange(const AsyncCallContext& context, std::function<void()> job) {
  if (context.pool == nullptr) return job();
  context.pool->Run(std::move(job));
}

// OK when the call's peer may be served.
grpc::Status Admit(const AsyncCallContext& context,
                   const grpc::ServerContext& call) {
  if (context.peers == nullptr || context.peers->Admits(call.peer())) {
    return grpc::Status::OK;
  }
  return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                      context.peers->Refusal());
}

// Whether a unary call changes the store, and so runs on the pool.
enum class Effect { kReads, kChangesStore };

// Info, Update, Delete, Status, ListStatuses, Abort: one request, one answer.
// The ones that change the store are answered from the pool.
template <class Request, class Response>
class UnaryCall final : public AsyncCall {
 public:
  using RequestMethod = void (Service::*)(
      grpc::ServerContext*, Request*,
      grpc::ServerAsyncResponseWriter<Response>*, grpc::CompletionQueue*,
      grpc::ServerCompletionQueue*, void*);
  using Handler = grpc::Status (ContentService::*)(const Request&, Response*);

  UnaryCall(const AsyncCallContext& context, const char* method,
            RequestMethod request_method, Handler handler, Effect effect)
      : AsyncCall(context.live),
        method_(method),
        context_(context),
        request_method_(request_method),
        handler_(handler),
        effect_(effect),
        responder_(&server_context_) {
    (context_.service->*request_method_)(&server_context_, &request_,
                                         &responder_, context_.cq, context_.cq,
                                         this);
  }

  void Proceed(bool ok) override {
    if (answered_ || !ok) {  // answered, or the server is shutting down
      delete this;
      return;
    }
    new UnaryCall(context_, method_, request_method_, handler_, effect_);
    answered_ = true;
    if (effect_ == Effect::kChangesStore) {
      return RunChange(context_, [this] { Answer(); });
    }
    Answer();
  }

 private:
  void Answer() {
    const absl::Time start = absl::Now();
    grpc::Status status = Admit(context_, server_context_);
    if (status.ok()) {
      status = (context_.content->*handler_)(request_, &response_);
    }
    Observe(context_, method_, status, start);
    if (status.ok()) {
      responder_.Finish(response_, status, this);
    } else {
      responder_.FinishWithError(status, this);
    }
  }

  const char* const method_;
  const AsyncCallContext context_;
  const RequestMethod request_method_;
  const Handler handler_;
  const Effect effect_;
  grpc::ServerContext server_context_;
  Request request_;
  Response response_;
  grpc::ServerAsyncResponseWriter<Response> responder_;
  bool answered_ = false;
};

// Server streaming: sends `Next` messages until the source is done, the last
// one together with the status.
template <class Request, class Response>
class StreamingCall : public AsyncCall {
 protected:
  explicit StreamingCall(const AsyncCallContext& context)
      : AsyncCall(context.live), context_(context), writer_(&server_context_) {}

  // Called once the request has arrived: prepare the messages.
  virtual grpc::Status Begin() = 0;
  virtual bool done() const = 0;
  virtual grpc::Status Next(Response* response) = 0;
  virtual void PostSuccessor() = 0;
  virtual const char* method() const = 0;

 public:
  void Proceed(bool ok) override {
    switch (state_) {
      case State::kWaiting:
        if (!ok) break;
        start_ = absl::Now();
        PostSuccessor();
        if (grpc::Status s = Admit(context_, server_context_); !s.ok())
          return Finish(s);
        if (grpc::Status s = Begin(); !s.ok()) return Finish(s);
        return SendNext();
      case State::kStreaming:
        if (!ok) {
          return Finish(
              grpc::Status(grpc::StatusCode::CANCELLED, "client went away"));
        }
        return SendNext();
      case State::kFinishing:
        break;
    }
    delete this;
  }

 private:
  void Finish(const grpc::Status& status) {
    Observe(context_, method(), status, start_);
    state_ = State::kFinishing;
    writer_.Finish(status, this);
  }

  void SendNext() {
    if (done()) return Finish(grpc::Status::OK);
    if (grpc::Status s = Next(&response_); !s.ok()) return Finish(s);
    if (done()) {
      Observe(context_, method(), grpc::Status::OK, start_);
      state_ = State::kFinishing;
      writer_.WriteAndFinish(response_, grpc::WriteOptions(), grpc::Status::OK,
                             this);
    } else {
      state_ = State::kStreaming;
      writer_.Write(response_, this);
    }
  }

  enum class State { kWaiting, kStreaming, kFinishing };

 protected:
  const AsyncCallContext context_;
  grpc::ServerContext server_context_;
  Request request_;
  grpc::ServerAsyncWriter<Response> writer_;

 private:
  Response response_;
  State state_ = State::kWaiting;
  absl::Time start_;
};

class ReadCall final : public StreamingCall<contentapi::ReadContentRequest,
                                            contentapi::ReadContentResponse> {
 public:
  explicit ReadCall(const AsyncCallContext& context) : StreamingCall(context) {
    context_.service->RequestRead(&server_context_, &request_, &writer_,
                                  context_.cq, context_.cq, this);
  }

 private:
  grpc::Status Begin() override {
    return read_.Start(context_.content->store(), request_);
  }
  bool done() const override { return read_.done(); }
  grpc::Status Next(contentapi::ReadContentResponse* response) override {
    grpc::Status s = read_.Next(response);
    if (s.ok() && context_.metrics != nullptr) {
      context_.metrics->AddBytesRead(
          static_cast<int64_t>(response->data().size()));
    }
    return s;
  }
  void PostSuccessor() override { new ReadCall(context_); }
  const char* method() const override { return "Read"; }

  BlobRead read_;
};

class ListCall final : public StreamingCall<contentapi::ListContentRequest,
                                            contentapi::ListContentResponse> {
 public:
  explicit ListCall(const AsyncCallContext& context) : StreamingCall(context) {
    context_.service->RequestList(&server_context_, &request_, &writer_,
                                  context_.cq, context_.cq, this);
  }

 private:
  grpc::Status Begin() override {
    return context_.content->List(request_, &batches_);
  }
  bool done() const override { return next_ == batches_.size(); }
  grpc::Status Next(contentapi::ListContentResponse* response) override {
    response->Swap(&batches_[next_++]);
    return grpc::Status::OK;
  }
  void PostSuccessor() override { new ListCall(context_); }
  const char* method() const override { return "List"; }

  std::vector<contentapi::ListContentResponse> batches_;
  size_t next_ = 0;
};

// Write: read a request, answer it, until the session is finished or the
// client stops sending. Each request is handled on the pool, which starts
// the answer's write. A first request whose ref another stream holds is
// tried again on an alarm, with growing pauses, for up to
// store::kRefLockWait: the holder may be a stream its client has just
// closed, whose end this queue has yet to see.
class WriteCall final : public AsyncCall {
 public:
  explicit WriteCall(const AsyncCallContext& context)
      : AsyncCall(context.live),
        context_(context),
        stream_(&server_context_),
        session_(context.content->store()) {
    context_.service->RequestWrite(&server_context_, &stream_, context_.cq,
                                   context_.cq, this);
  }

  void Proceed(bool ok) override {
    switch (state_) {
      case State::kWaiting:
        if (!ok) break;
        start_ = absl::Now();
        new WriteCall(context_);
        if (grpc::Status s = Admit(context_, server_context_); !s.ok())
          return Finish(s);
        return ReadRequest();
      case State::kReading: {
        if (!ok) {
          // The client closed its side or went away; an unfinished ingest
          // stays resumable, and its ref free from now.
          session_.End();
          return Finish(
              received_ ? grpc::Status::OK
                        : grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                       "write stream closed before its first "
                                       "message"));
        }
        if (!received_) first_attempt_ = std::chrono::steady_clock::now();
        received_ = true;
        return RunChange(context_, [this] { HandleRequest(); });
      }
      case State::kRetrying:
        if (!ok) {
          return Finish(
              grpc::Status(grpc::StatusCode::CANCELLED, "server stopping"));
        }
        return RunChange(context_, [this] { HandleRequest(); });
      case State::kWriting:
        if (!ok) {
          return Finish(
              grpc::Status(grpc::StatusCode::CANCELLED, "client went away"));
        }
        return ReadRequest();
      case State::kFinishing:
        break;
    }
    delete this;
  }

 private:
  void HandleRequest() {
    grpc::Status handled = session_.Handle(request_, &response_);
    const bool stopping =
        context_.stopping != nullptr && context_.stopping->load();
    if (session_.ref_busy() && !stopping &&
        std::chrono::steady_clock::now() - first_attempt_ <
            absl::ToChronoMilliseconds(store::kRefLockWait)) {
      state_ = State::kRetrying;
      retry_pause_ = std::min(retry_pause_ * 2, std::chrono::milliseconds(50));
      alarm_.Set(context_.cq, std::chrono::system_clock::now() + retry_pause_,
                 this);
      return;
    }
    if (handled.ok() && context_.metrics != nullptr) {
      context_.metrics->AddBytesWritten(
          static_cast<int64_t>(request_.data().size()));
    }
    // Written out: give the message's buffer back rather than keep up to
    // 1 MiB per idle stream until its next message.
    std::string().swap(*request_.mutable_data());
    if (!handled.ok()) {
      return Finish(handled);
    }
    if (session_.finished()) {
      Observe(context_, "Write", grpc::Status::OK, start_);
      state_ = State::kFinishing;
      stream_.WriteAndFinish(response_, grpc::WriteOptions(), grpc::Status::OK,
                             this);
      return;
    }
    state_ = State::kWriting;
    stream_.Write(response_, this);
  }
  void ReadRequest() {
    state_ = State::kReading;
    stream_.Read(&request_, this);
  }
  void Finish(const grpc::Status& status) {
    Observe(context_, "Write", status, start_);
    state_ = State::kFinishing;
    stream_.Finish(status, this);
  }

  enum class State { kWaiting, kReading, kRetrying, kWriting, kFinishing };

  const AsyncCallContext context_;
  grpc::ServerContext server_context_;
  grpc::ServerAsyncReaderWriter<contentapi::WriteContentResponse,
                                contentapi::WriteContentRequest>
      stream_;
  WriteSession session_;
  contentapi::WriteContentRequest request_;
  contentapi::WriteContentResponse response_;
  State state_ = State::kWaiting;
  bool received_ = false;
  std::chrono::steady_clock::time_point first_attempt_;
  std::chrono::milliseconds retry_pause_{1};
  grpc::Alarm alarm_;
  absl::Time start_;
};

template <class Request, class Response>
void PostUnary(
    const AsyncCallContext& context, const char* method,
    typename UnaryCall<Request, Response>::RequestMethod request_method,
    typename UnaryCall<Request, Response>::Handler handler, Effect effect) {
  new UnaryCall<Request, Response>(context, method, request_method, handler,
                                   effect);
}

}  // namespace

void LiveCalls::Add() {
  absl::MutexLock lock(&mu_);
  ++count_;
}

void LiveCalls::Remove() {
  absl::MutexLock lock(&mu_);
  --count_;
}

bool LiveCalls::AwaitNone(absl::Time deadline) {
  return AwaitAtMost(0, deadline);
}

bool LiveCalls::AwaitAtMost(int n, absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  auto few = [this, n]()
                 ABSL_SHARED_LOCKS_REQUIRED(mu_) { return count_ <= n; };
  return mu_.AwaitWithDeadline(absl::Condition(&few), deadline);
}

void PostContentCalls(const AsyncCallContext& context) {
  namespace api = contentapi;
  PostUnary<api::InfoRequest, api::InfoResponse>(
      context, "Info", &Service::RequestInfo, &ContentService::Info,
      Effect::kReads);
  PostUnary<api::UpdateRequest, api::UpdateResponse>(
      context, "Update", &Service::RequestUpdate, &ContentService::Update,
      Effect::kChangesStore);
  PostUnary<api::DeleteContentRequest, google::protobuf::Empty>(
      context, "Delete", &Service::RequestDelete, &ContentService::Delete,
      Effect::kChangesStore);
  PostUnary<api::StatusRequest, api::StatusResponse>(
      context, "Status", &Service::RequestStatus, &ContentService::Status,
      Effect::kReads);
  PostUnary<api::ListStatusesRequest, api::ListStatusesResponse>(
      context, "ListStatuses", &Service::RequestListStatuses,
      &ContentService::ListStatuses, Effect::kReads);
  PostUnary<api::AbortRequest, google::protobuf::Empty>(
      context, "Abort", &Service::RequestAbort, &ContentService::Abort,
      Effect::kChangesStore);
  new ReadCall(context);
  new ListCall(context);
  new WriteCall(context);
}

void RunCompletionQueue(grpc::ServerCompletionQueue* cq) {
  void* tag = nullptr;
  bool ok = false;
  while (cq->Next(&tag, &ok)) static_cast<AsyncCall*>(tag)->Proceed(ok);
}

}  // namespace hpc::server
