/// The product of `sizes` (1 for none), or nil when it overflows `Int`: for sizes a file declares.
package func checkedProduct(_ sizes: [Int]) -> Int? {
    var product = 1
    for size in sizes {
        let (next, overflow) = product.multipliedReportingOverflow(by: size)
        if overflow { return nil }
        product = next
    }
    return product
}
