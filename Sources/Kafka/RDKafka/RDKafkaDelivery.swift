import Foundation

/// One record's delivery, pointing at the send it belongs to.
final class RDKafkaDelivery: @unchecked Sendable {
    let batch: RDKafkaDeliveryBatch
    let index: Int

    init(batch: RDKafkaDeliveryBatch, index: Int) {
        self.batch = batch
        self.index = index
    }

    func complete(_ result: Result<KafkaDeliveryReport, KafkaError>) {
        batch.complete(index: index, result)
    }
}

/// Collects the delivery reports of one ``KafkaProducer/send(_:)`` and resumes it after the last one.
final class RDKafkaDeliveryBatch: @unchecked Sendable {
    private let lock = NSLock()
    private var remaining: Int
    private var reports: [KafkaDeliveryReport?]
    private var firstError: KafkaError?
    private let continuation: CheckedContinuation<[KafkaDeliveryReport], Error>

    init(count: Int, continuation: CheckedContinuation<[KafkaDeliveryReport], Error>) {
        remaining = count
        reports = Array(repeating: nil, count: count)
        self.continuation = continuation
    }

    func complete(index: Int, _ result: Result<KafkaDeliveryReport, KafkaError>) {
        let finished: Bool = lock.withLock {
            switch result {
            case .success(let report): reports[index] = report
            case .failure(let error): if firstError == nil { firstError = error }
            }
            remaining -= 1
            return remaining == 0
        }
        guard finished else { return }
        if let firstError {
            continuation.resume(throwing: firstError)
        } else {
            continuation.resume(returning: reports.map { $0! })
        }
    }
}
