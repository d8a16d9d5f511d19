#include "plugin/server/health_calls.h"

#include <grpc/support/time.h>
#include <grpcpp/alarm.h>
#include <grpcpp/server_context.h>

#include "absl/strings/str_cat.h"
#include "services/content/v1/content.grpc.pb.h"

namespace hpc::server {

using ServingStatus = healthapi::HealthCheckResponse::ServingStatus;

healthapi::HealthCheckResponse::ServingStatus HealthState::StatusOf(
    const std::string& service) const {
  if (!service.empty() &&
      service !=
          containerd::services::content::v1::Content::service_full_name()) {
    return healthapi::HealthCheckResponse::SERVICE_UNKNOWN;
  }
  absl::MutexLock lock(&mu_);
  return stopped_ ? healthapi::HealthCheckResponse::NOT_SERVING
                  : healthapi::HealthCheckResponse::SERVING;
}

bool HealthState::stopped() const {
  absl::MutexLock lock(&mu_);
  return stopped_;
}

namespace {

// Check: the status now.
class HealthCheck final : public AsyncCall {
 public:
  explicit HealthCheck(const HealthCallContext& context)
      : AsyncCall(context.live),
        context_(context),
        responder_(&server_context_) {
    context_.service->RequestCheck(&server_context_, &request_, &responder_,
                                   context_.cq, context_.cq, this);
  }

  void Proceed(bool ok) override {
    if (answered_ || !ok) {  // answered, or the server is shutting down
      delete this;
      return;
    }
    new HealthCheck(context_);
    answered_ = true;
    const ServingStatus status = context_.state->StatusOf(request_.service());
    if (status == healthapi::HealthCheckResponse::SERVICE_UNKNOWN) {
      responder_.FinishWithError(
          grpc::Status(
              grpc::StatusCode::NOT_FOUND,
              absl::StrCat("unknown service \"", request_.service(), "\"")),
          this);
      return;
    }
    response_.set_status(status);
    responder_.Finish(response_, grpc::Status::OK, this);
  }

 private:
  const HealthCallContext context_;
  grpc::ServerContext server_context_;
  healthapi::HealthCheckRequest request_;
  healthapi::HealthCheckResponse response_;
  grpc::ServerAsyncResponseWriter<healthapi::HealthCheckResponse> responder_;
  bool answered_ = false;
};

}  // namespace

// Watch: the status now, then parked on an alarm until the status changes
// (the server stops), the change, and the end. Two tags: the call's own for
// its one operation in flight, and Done for its end; it is deleted once both
// are back.
class HealthWatch final : public AsyncCall {
 public:
  explicit HealthWatch(const HealthCallContext& context)
      : AsyncCall(context.live),
        context_(context),
        writer_(&server_context_),
        done_(this) {
    server_context_.AsyncNotifyWhenDone(&done_);
    context_.service->RequestWatch(&server_context_, &request_, &writer_,
                                   context_.cq, context_.cq, this);
  }

  // Ends the park. Any thread; only while parked (HealthState's lock).
  void Wake() { alarm_.Cancel(); }

  void Proceed(bool ok) override {
    op_in_flight_ = false;
    switch (state_) {
      case State::kWaiting:
        // Not started, so the end is never told (gRPC): go now.
        if (!ok) break;
        new HealthWatch(context_);
        return Send();
      case State::kSending:
        if (!ok || ended_) {
          return Finish(
              grpc::Status(grpc::StatusCode::CANCELLED, "client went away"));
        }
        if (sent_after_stop_) {
          return Finish(
              grpc::Status(grpc::StatusCode::UNAVAILABLE, "server stopping"));
        }
        return Park();
      case State::kParked:
        context_.state->Unpark(this);
        if (ended_) {
          return Finish(
              grpc::Status(grpc::StatusCode::CANCELLED, "client went away"));
        }
        return Send();
      case State::kFinishing:
        return DeleteWhenDone();
    }
    delete this;
  }

 private:
  // The call's end is told: the client gone, or the call finished.
  void Ended() {
    ended_ = true;
    if (state_ == State::kParked) alarm_.Cancel();
    DeleteWhenDone();
  }
  void Send() {
    sent_after_stop_ = context_.state->stopped();
    response_.set_status(context_.state->StatusOf(request_.service()));
    state_ = State::kSending;
    op_in_flight_ = true;
    writer_.Write(response_, this);
  }
  // The alarm is set first, so a Stop between the two still wakes it.
  void Park() {
    state_ = State::kParked;
    op_in_flight_ = true;
    alarm_.Set(context_.cq, gpr_inf_future(GPR_CLOCK_REALTIME), this);
    if (!context_.state->Park(this)) alarm_.Cancel();
  }
  void Finish(const grpc::Status& status) {
    state_ = State::kFinishing;
    op_in_flight_ = true;
    writer_.Finish(status, this);
  }
  void DeleteWhenDone() {
    if (ended_ && !op_in_flight_) delete this;
  }

  // The tag gRPC gives back at the call's end.
  class Done final : public AsyncCall {
   public:
    explicit Done(HealthWatch* watch) : AsyncCall(nullptr), watch_(watch) {}
    void Proceed(bool) override { watch_->Ended(); }

   private:
    HealthWatch* const watch_;
  };

  enum class State { kWaiting, kSending, kParked, kFinishing };

  const HealthCallContext context_;
  grpc::ServerContext server_context_;
  healthapi::HealthCheckRequest request_;
  healthapi::HealthCheckResponse response_;
  grpc::ServerAsyncWriter<healthapi::HealthCheckResponse> writer_;
  grpc::Alarm alarm_;
  Done done_;
  State state_ = State::kWaiting;
  bool op_in_flight_ = true;  // the request itself
  bool ended_ = false;        // gRPC told the call's end
  bool sent_after_stop_ = false;
};

void HealthState::Stop() {
  absl::MutexLock lock(&mu_);
  stopped_ = true;
  for (HealthWatch* watch : parked_) watch->Wake();
}

bool HealthState::Park(HealthWatch* watch) {
  absl::MutexLock lock(&mu_);
  if (stopped_) return false;
  parked_.insert(watch);
  return true;
}

void HealthState::Unpark(HealthWatch* watch) {
  absl::MutexLock lock(&mu_);
  parked_.erase(watch);
}

void PostHealthCalls(const HealthCallContext& context) {
  new HealthCheck(context);
  new HealthWatch(context);
}

}  // namespace hpc::server
